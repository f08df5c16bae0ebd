using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Calendar;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Tasks;

namespace Workflows.Domain.Tasks;

/// <summary>Looks up a user's roles (identity lives in the host); null when there is no such user.</summary>
public interface ITaskUserDirectory
{
    Task<IReadOnlyCollection<string>?> RolesOfAsync(string userName, CancellationToken ct = default);
}

/// <summary>
/// The task service over the <c>HumanTasks</c> table (reads) and the workflow runtime (every change is a journalled step
/// of the task's instance, so it is atomic with the task row, chained in the journal and guarded by the instance's revision).
/// </summary>
public sealed class TaskService(StoreConnections connections, WorkflowRuntime runtime, BusinessCalendar calendar, TimeProvider clock,
    ITaskUserDirectory users, ILogger<TaskService> logger) : ITaskService
{
    public const string MemberRole = "Member";
    public const string SupervisorRole = "Supervisor";
    public const int MaxPageSize = 200;

    // ---------------------------------------------------------------- reads

    public async Task<TaskPage> ListAsync(TaskCaller caller, TaskQuery query, CancellationToken ct = default)
    {
        if (query.PageSize is < 1 or > MaxPageSize)
            throw new TaskRequestException("pageSize", $"每页条数须在 1 到 {MaxPageSize} 之间。 pageSize must be between 1 and {MaxPageSize}.");
        CheckFilter(query.Filter);
        if (IsBoardView(query.View) && !caller.IsIn(SupervisorRole))
            throw new TaskActionForbiddenException("只有服务主管可以查看全部任务。 Only supervisors see all open tasks.");
        var scope = await ScopeAsync(caller, ct);
        var now = clock.GetUtcNow();
        var cursor = Cursor.Decode(query.After, query);
        var ordinals = cursor?.Now ?? WorkingClock.Ordinals(calendar, now);
        var sql = new TaskSql();
        var text = sql.Page(scope, query, cursor, ordinals, now, EndOfToday(now), query.PageSize + 1);
        if (text.Length == 0) return new TaskPage([], null);
        // The SQL text depends only on the shape of the request (view, sort, which filters, how many roles), so the reader
        // connection keeps it prepared and later requests only bind new values.
        var rows = await connections.ReadAsync(async c =>
        {
            await using var r = await c.Command(text, null, [.. sql.Args]).ExecuteReaderAsync(ct);
            var list = new List<(TaskRow Row, long SortKey)>();
            while (await r.ReadAsync(ct)) list.Add((TaskRow.Read(r), r.GetInt64(27)));
            return list;
        });
        var more = rows.Count > query.PageSize;
        if (more) rows.RemoveAt(rows.Count - 1);
        var items = rows.Select(x => Item(x.Row, scope, ordinals)).ToList();
        string? next = null;
        if (more)
        {
            var (last, sortKey) = rows[^1];
            JsonElement[] values = query.Sort switch
            {
                TaskSort.Due => [J(last.DueKey), J(last.Id)],
                TaskSort.Created => [J(last.Id)],
                TaskSort.Priority => [J(last.Priority), J(last.DueKey), J(last.Id)],
                _ => [J(sortKey), J(last.Id)],
            };
            next = new Cursor(query.View, query.Sort, query.Descending, values, query.Sort == TaskSort.RemainingWorkingTime ? ordinals : null).Encode();
        }
        return new TaskPage(items, next);
    }

    /// <summary>SQLite's query plan of a page (or, with <paramref name="counts"/>, of the counts) — for docs/workspace.md and the benchmark.</summary>
    public async Task<IReadOnlyList<string>> ExplainAsync(TaskCaller caller, TaskQuery query, bool counts = false, CancellationToken ct = default)
    {
        var scope = await ScopeAsync(caller, ct);
        var now = clock.GetUtcNow();
        var sql = new TaskSql();
        var text = counts
            ? $"SELECT {sql.Count(scope, TaskView.Mine, query.Filter, now, EndOfToday(now))}, {sql.Count(scope, TaskView.Unclaimed, query.Filter, now, EndOfToday(now))}, " +
              $"{sql.Count(scope, TaskView.Overdue, query.Filter, now, EndOfToday(now))}, {sql.Count(scope, TaskView.DueToday, query.Filter, now, EndOfToday(now))}"
            : sql.Page(scope, query, null, WorkingClock.Ordinals(calendar, now), now, EndOfToday(now), query.PageSize + 1);
        return await connections.ReadAsync(async c =>
        {
            await using var cmd = c.Connection.CreateCommand();
            cmd.CommandText = c.Dialect.Sql("EXPLAIN QUERY PLAN " + text);
            TaskSql.Bind(cmd, sql.Args);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            var lines = new List<string>();
            var depth = new Dictionary<long, int>();
            while (await r.ReadAsync(ct))
            {
                var d = depth.TryGetValue(r.GetInt64(1), out var pd) ? pd + 1 : 0;
                depth[r.GetInt64(0)] = d;
                lines.Add(new string(' ', 2 * d) + r.GetString(3));
            }
            return (IReadOnlyList<string>)lines;
        });
    }

    public async Task<TaskCounts> CountAsync(TaskCaller caller, TaskFilter? filter = null, CancellationToken ct = default)
    {
        CheckFilter(filter);
        var scope = await ScopeAsync(caller, ct);
        var now = clock.GetUtcNow();
        var eod = EndOfToday(now);
        var sql = new TaskSql();
        var text = $"SELECT {sql.Count(scope, TaskView.Mine, filter, now, eod)}, {sql.Count(scope, TaskView.Unclaimed, filter, now, eod)}, " +
                   $"{sql.Count(scope, TaskView.Overdue, filter, now, eod)}, {sql.Count(scope, TaskView.DueToday, filter, now, eod)}";
        return await connections.ReadAsync(async c =>
        {
            await using var r = await c.Command(text, null, [.. sql.Args]).ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            int mine = r.GetInt32(0), unclaimed = r.GetInt32(1);
            return new TaskCounts(mine, unclaimed, mine + unclaimed, r.GetInt32(2), r.GetInt32(3));
        });
    }

    public async Task<TaskItem> GetAsync(TaskCaller caller, string taskId, CancellationToken ct = default)
    {
        var scope = await ScopeAsync(caller, ct);
        var row = await RowAsync(taskId, ct);
        if (row is null || !MaySee(scope, row)) throw new TaskNotFoundException(taskId);
        return Item(row, scope, WorkingClock.Ordinals(calendar, clock.GetUtcNow()));
    }

    // ---------------------------------------------------------------- actions

    public Task<TaskItem> ClaimAsync(TaskCaller caller, string taskId, long? expectedRevision = null, CancellationToken ct = default) =>
        ChangeAsync(caller, taskId, expectedRevision, (scope, t) =>
        {
            if (scope.HoldsOrStandsIn(t.Assignee)) return null; // already theirs: claiming again changes nothing
            if (t.Assignee is not null) throw Held(t);
            if (!MayWork(scope, t)) throw new TaskActionForbiddenException($"此任务属于 {t.Role} 组，您不能认领。 This task is for the {t.Role} group; you cannot claim it.");
            return (TaskEvents.Claimed, t with { Assignee = scope.UserName }, $"Claimed by {scope.UserName}.");
        }, ct);

    public Task<TaskItem> ReleaseAsync(TaskCaller caller, string taskId, long? expectedRevision = null, CancellationToken ct = default) =>
        ChangeAsync(caller, taskId, expectedRevision, (scope, t) =>
        {
            if (t.Assignee is null) return null;
            if (!scope.HoldsOrStandsIn(t.Assignee) && !scope.IsSupervisor) throw Held(t);
            return (TaskEvents.Released, t with { Assignee = null }, $"Released by {scope.UserName} (was {t.Assignee}).");
        }, ct);

    public async Task<TaskItem> AssignAsync(TaskCaller caller, string taskId, string? assignee, long? expectedRevision = null, CancellationToken ct = default)
    {
        if (!caller.IsIn(SupervisorRole)) throw new TaskActionForbiddenException("只有服务主管可以分派任务。 Only supervisors assign tasks.");
        if (string.IsNullOrWhiteSpace(assignee)) return await ReleaseAsync(caller, taskId, expectedRevision, ct);
        assignee = assignee.Trim();
        var roles = await users.RolesOfAsync(assignee, ct)
                    ?? throw new TaskRequestException("assignee", $"没有用户名为“{assignee}”的员工。 There is no user named '{assignee}'.");
        return await ChangeAsync(caller, taskId, expectedRevision, (scope, t) =>
        {
            if (t.Role == MemberRole) throw new TaskRequestException("assignee", "会员本人的任务不能分派给他人。 A member's own task cannot be assigned to someone else.");
            if (!roles.Contains(t.Role) && !(t.EscalatedTo is { } g && roles.Contains(g)))
                throw new TaskRequestException("assignee", $"“{assignee}”不在 {t.Role} 组，不能处理此任务。 '{assignee}' is not in the {t.Role} group and cannot work this task.");
            if (t.Assignee == assignee) return null;
            return (TaskEvents.Assigned, t with { Assignee = assignee }, $"Assigned to {assignee} by {scope.UserName}{(t.Assignee is null ? "" : $" (was {t.Assignee})")}.");
        }, ct);
    }

    public Task<TaskItem> SetFollowUpAsync(TaskCaller caller, string taskId, DateTimeOffset? followUpAt, long? expectedRevision = null, CancellationToken ct = default) =>
        ChangeAsync(caller, taskId, expectedRevision, (scope, t) =>
        {
            if (!scope.HoldsOrStandsIn(t.Assignee)) throw new TaskActionForbiddenException("请先认领任务，再设置跟进日期。 Claim the task before setting its follow-up date.");
            if (t.FollowUpAt == followUpAt) return null;
            return (TaskEvents.FollowUpSet, t with { FollowUpAt = followUpAt?.ToUniversalTime() }, $"Follow-up {(followUpAt is null ? "cleared" : $"set to {followUpAt:O}")} by {scope.UserName}.");
        }, ct);

    public async Task<IReadOnlyList<TaskActionResult>> BulkAsync(TaskCaller caller, TaskBulkRequest request, CancellationToken ct = default)
    {
        if (request.TaskIds is not { Count: > 0 })
            throw new TaskRequestException("taskIds", "请至少选择一个任务。 Choose at least one task.");
        if (request.TaskIds.Count > MaxPageSize)
            throw new TaskRequestException("taskIds", $"一次最多处理 {MaxPageSize} 个任务。 At most {MaxPageSize} tasks at once.");
        if (request.Action == TaskBulkAction.Reassign && !caller.IsIn(SupervisorRole))
            throw new TaskActionForbiddenException("只有服务主管可以分派任务。 Only supervisors reassign tasks.");
        var results = new List<TaskActionResult>();
        foreach (var id in request.TaskIds.Distinct(StringComparer.Ordinal))
        {
            try
            {
                long? expected = request.ExpectedRevisions?.TryGetValue(id, out var r) == true ? r : null;
                var item = request.Action switch
                {
                    TaskBulkAction.Claim => await ClaimAsync(caller, id, expected, ct),
                    TaskBulkAction.Release => await ReleaseAsync(caller, id, expected, ct),
                    _ => await AssignAsync(caller, id, request.Assignee, expected, ct),
                };
                results.Add(new TaskActionResult(id, 200, null, item.Assignee, item.Revision));
            }
            catch (Exception e) when (StatusOf(e) is { } status)
            {
                results.Add(new TaskActionResult(id, status, e.Message, (e as TaskConflictException)?.HeldBy, (e as TaskConflictException)?.Revision));
            }
        }
        return results;
    }

    /// <summary>The HTTP status a task action's refusal stands for (null: not a refusal, let it through).</summary>
    public static int? StatusOf(Exception e) => e switch
    {
        TaskNotFoundException => 404,
        TaskConflictException or ConcurrencyConflictException or BookmarkClosedException => 409,
        TaskActionForbiddenException => 403,
        TaskRequestException => 400,
        _ => null,
    };

    public async Task<StepResult> CompleteAsync(TaskCaller caller, string taskId, string? outcome, JsonObject? data, string idempotencyKey, CancellationToken ct = default)
    {
        var scope = await ScopeAsync(caller, ct);
        try
        {
            return await runtime.ResumeAsync(taskId, new ResumeInput(outcome, data), new Actor(caller.UserName, "none"), idempotencyKey, ct, (bookmark, _) =>
            {
                if (bookmark.Kind != Engine.Activities.BookmarkKinds.HumanTask) throw new TaskNotFoundException(taskId);
                var t = HumanTaskSpec.Of(bookmark);
                // A member's task is invisible to everyone but that member; a staff task outside the caller's groups is refused.
                if (t.Role == MemberRole && !MayWork(scope, t)) throw new TaskNotFoundException(taskId);
                if (!scope.HoldsOrStandsIn(t.Assignee) && !scope.InGroup(t.Role, t.EscalatedTo) && t.Role != MemberRole)
                    throw new TaskActionForbiddenException($"此任务属于 {t.Role} 组。 This task is for the {t.Role} role.");
                if (t.Assignee is not null && !scope.HoldsOrStandsIn(t.Assignee)) throw Held(t);
                return new Actor(caller.UserName, ActingRole(scope, caller, t));
            });
        }
        catch (BookmarkNotFoundException)
        {
            throw new TaskNotFoundException(taskId);
        }
    }

    // ---------------------------------------------------------------- delegation

    public async Task<IReadOnlyList<TaskDelegation>> DelegationsAsync(TaskCaller caller, CancellationToken ct = default)
    {
        var today = Today();
        return await connections.ReadAsync(async c =>
        {
            await using var cmd = c.Connection.CreateCommand();
            cmd.CommandText = c.Dialect.Sql("SELECT Id, Delegator, Delegate, \"From\", \"To\" FROM TaskDelegations WHERE (Delegator = @u OR Delegate = @u) AND \"To\" >= @today ORDER BY \"From\", Id");
            cmd.AddWithValue("@u", caller.UserName);
            cmd.AddWithValue("@today", today);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            var list = new List<TaskDelegation>();
            while (await r.ReadAsync(ct))
            {
                var from = r.GetFieldValue<DateOnly>(3);
                var to = r.GetFieldValue<DateOnly>(4);
                list.Add(new TaskDelegation(r.GetInt64(0), r.GetString(1), r.GetString(2), from, to, from <= today && today <= to));
            }
            return (IReadOnlyList<TaskDelegation>)list;
        });
    }

    public async Task<TaskDelegation> SetDelegationAsync(TaskCaller caller, TaskDelegationRequest request, CancellationToken ct = default)
    {
        if (caller.IsIn(MemberRole) && caller.Roles.Count == 1)
            throw new TaskActionForbiddenException("会员不能设置代理人。 Members cannot delegate tasks.");
        if (string.IsNullOrWhiteSpace(request.Delegate)) throw new TaskRequestException("delegate", "请填写代理人的用户名。 Name the delegate's user name.");
        var to = request.To ?? throw new TaskRequestException("to", "请填写代理结束日期。 Give the last day of the delegation.");
        var from = request.From ?? Today();
        if (to < from) throw new TaskRequestException("to", "结束日期不能早于开始日期。 The last day cannot be before the first day.");
        if (to < Today()) throw new TaskRequestException("to", "结束日期不能早于今天。 The last day cannot be in the past.");
        if (to.DayNumber - from.DayNumber > 366) throw new TaskRequestException("to", "代理期限最长一年。 A delegation lasts at most a year.");
        var delegateName = request.Delegate.Trim();
        if (delegateName == caller.UserName) throw new TaskRequestException("delegate", "不能把任务委托给自己。 You cannot delegate to yourself.");
        var roles = await users.RolesOfAsync(delegateName, ct)
                    ?? throw new TaskRequestException("delegate", $"没有用户名为“{delegateName}”的员工。 There is no user named '{delegateName}'.");
        var staffRoles = StaffRoles(caller.Roles);
        if (!staffRoles.Any(roles.Contains))
            throw new TaskRequestException("delegate", $"“{delegateName}”与您不在同一工作组，不能代理您的任务。 '{delegateName}' is in none of your groups and cannot stand in for you.");
        var now = clock.GetUtcNow();
        var id = await connections.WriteAsync(c => Task.FromResult(c.InTransaction(() =>
        {
            using var cmd = c.Connection.CreateCommand();
            cmd.CommandText = c.Dialect.Sql("""
                INSERT INTO TaskDelegations (Delegator, Delegate, DelegatorRoles, "From", "To", CreatedAt) VALUES (@a, @b, @roles, @from, @to, @at)
                RETURNING Id;
                """);
            cmd.AddWithValue("@a", caller.UserName);
            cmd.AddWithValue("@b", delegateName);
            cmd.AddWithValue("@roles", string.Join(",", staffRoles));
            cmd.AddWithValue("@from", from);
            cmd.AddWithValue("@to", to);
            cmd.AddWithValue("@at", now.UtcTicks);
            return (long)cmd.ExecuteScalar()!;
        })), ct);
        logger.LogInformation("Delegation {DelegationId}: {Delegator} to {Delegate} from {From} to {To}", id, caller.UserName, delegateName, from, to);
        var today = Today();
        return new TaskDelegation(id, caller.UserName, delegateName, from, to, from <= today && today <= to);
    }

    public async Task RemoveDelegationAsync(TaskCaller caller, long id, CancellationToken ct = default)
    {
        var rows = await connections.WriteAsync(c =>
        {
            using var cmd = c.Connection.CreateCommand();
            cmd.CommandText = c.Dialect.Sql("DELETE FROM TaskDelegations WHERE Id = @id AND Delegator = @u");
            cmd.AddWithValue("@id", id);
            cmd.AddWithValue("@u", caller.UserName);
            return Task.FromResult(cmd.ExecuteNonQuery());
        }, ct);
        if (rows == 0) throw new TaskRequestException("id", $"没有编号为 {id} 的委托。 You have no delegation {id}.");
    }

    // ---------------------------------------------------------------- saved filters

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public async Task<IReadOnlyList<SavedTaskFilter>> SavedFiltersAsync(TaskCaller caller, CancellationToken ct = default) =>
        await connections.ReadAsync(async c =>
        {
            await using var cmd = c.Connection.CreateCommand();
            cmd.CommandText = c.Dialect.Sql("SELECT Id, Name, QueryJson FROM SavedTaskFilters WHERE UserName = @u ORDER BY Name");
            cmd.AddWithValue("@u", caller.UserName);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            var list = new List<SavedTaskFilter>();
            while (await r.ReadAsync(ct))
            {
                var q = JsonSerializer.Deserialize<SavedTaskFilterRequest>(r.GetString(2), Json)!;
                list.Add(new SavedTaskFilter(r.GetInt64(0), r.GetString(1), q.View, q.Filter, q.Sort, q.Descending));
            }
            return (IReadOnlyList<SavedTaskFilter>)list;
        });

    public async Task<SavedTaskFilter> SaveFilterAsync(TaskCaller caller, SavedTaskFilterRequest request, CancellationToken ct = default)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 60) throw new TaskRequestException("name", "请为筛选命名（1 到 60 个字）。 Name the filter (1 to 60 characters).");
        CheckFilter(request.Filter);
        var json = JsonSerializer.Serialize(request with { Name = name }, Json);
        var id = await connections.WriteAsync(c => Task.FromResult(c.InTransaction(() =>
        {
            using var cmd = c.Connection.CreateCommand();
            // Saving under an existing name replaces that filter.
            cmd.CommandText = c.Dialect.Sql("""
                INSERT INTO SavedTaskFilters (UserName, Name, QueryJson, CreatedAt) VALUES (@u, @n, @q, @at)
                ON CONFLICT (UserName, Name) DO UPDATE SET QueryJson = excluded.QueryJson
                RETURNING Id;
                """);
            cmd.AddWithValue("@u", caller.UserName);
            cmd.AddWithValue("@n", name);
            cmd.AddWithValue("@q", json);
            cmd.AddWithValue("@at", clock.GetUtcNow().UtcTicks);
            return (long)cmd.ExecuteScalar()!;
        })), ct);
        return new SavedTaskFilter(id, name, request.View, request.Filter, request.Sort, request.Descending);
    }

    public async Task RemoveFilterAsync(TaskCaller caller, long id, CancellationToken ct = default)
    {
        var rows = await connections.WriteAsync(c =>
        {
            using var cmd = c.Connection.CreateCommand();
            cmd.CommandText = c.Dialect.Sql("DELETE FROM SavedTaskFilters WHERE Id = @id AND UserName = @u");
            cmd.AddWithValue("@id", id);
            cmd.AddWithValue("@u", caller.UserName);
            return Task.FromResult(cmd.ExecuteNonQuery());
        }, ct);
        if (rows == 0) throw new TaskRequestException("id", $"没有编号为 {id} 的已存筛选。 You have no saved filter {id}.");
    }

    // ---------------------------------------------------------------- board

    public async Task<TaskBoard> BoardAsync(TaskCaller caller, CancellationToken ct = default)
    {
        if (!caller.IsIn(SupervisorRole)) throw new TaskActionForbiddenException("只有服务主管可以查看看板。 Only supervisors see the board.");
        var now = clock.GetUtcNow();
        var eod = EndOfToday(now);
        return await connections.ReadAsync(async c =>
        {
            var people = new List<PersonWorkload>();
            await using (var cmd = c.Connection.CreateCommand())
            {
                cmd.CommandText = c.Dialect.Sql("""
                    SELECT Assignee, COUNT(*), SUM(CASE WHEN DueKey < @now THEN 1 ELSE 0 END), SUM(CASE WHEN EscalatedTo IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN DueKey >= @now AND DueKey < @eod THEN 1 ELSE 0 END)
                    FROM HumanTasks WHERE Status = 'Open' AND Assignee IS NOT NULL GROUP BY Assignee ORDER BY COUNT(*) DESC, Assignee
                    """);
                cmd.AddWithValue("@now", now.UtcTicks);
                cmd.AddWithValue("@eod", eod.UtcTicks);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct)) people.Add(new PersonWorkload(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4)));
            }
            var groups = new List<GroupWorkload>();
            await using (var cmd = c.Connection.CreateCommand())
            {
                cmd.CommandText = c.Dialect.Sql("""
                    SELECT CandidateRole, SUM(CASE WHEN Assignee IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN Assignee IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN DueKey < @now THEN 1 ELSE 0 END), SUM(CASE WHEN EscalatedTo IS NOT NULL THEN 1 ELSE 0 END)
                    FROM HumanTasks WHERE Status = 'Open' GROUP BY CandidateRole ORDER BY CandidateRole
                    """);
                cmd.AddWithValue("@now", now.UtcTicks);
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct)) groups.Add(new GroupWorkload(r.GetString(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4)));
            }
            return new TaskBoard(people, groups, groups.Sum(g => g.Unclaimed + g.Claimed), groups.Sum(g => g.Overdue), groups.Sum(g => g.Escalated));
        });
    }

    // ---------------------------------------------------------------- the rule: who may see and work a task

    private static bool IsBoardView(TaskView v) => v is TaskView.AllOpen or TaskView.AllOverdue or TaskView.AllEscalated;

    /// <summary>May work it now or after claiming: it is theirs (or a delegator's), or unclaimed in their groups; a member's task only for that member.</summary>
    private static bool MayWork(TaskScope s, HumanTaskSpec t) =>
        t.Role == MemberRole
            ? s.IsMember && t.Subject?.SubjectUserId == s.UserName
            : s.HoldsOrStandsIn(t.Assignee) || s.InGroup(t.Role, t.EscalatedTo);

    /// <summary>May see it: may work it, or a supervisor (staff tasks). A member's task is invisible to everyone but that member.</summary>
    private static bool MaySee(TaskScope s, HumanTaskSpec t) =>
        t.Role == MemberRole ? s.IsMember && t.Subject?.SubjectUserId == s.UserName : MayWork(s, t) || s.IsSupervisor;

    private static bool MaySee(TaskScope s, TaskRow r) => MaySee(s, r.Spec());

    private static string ActingRole(TaskScope s, TaskCaller caller, HumanTaskSpec t)
    {
        if (caller.IsIn(t.Role)) return t.Role;
        if (t.EscalatedTo is { } g && caller.IsIn(g)) return g;
        return s.StaffRoles.Contains(t.Role) ? $"{t.Role} (delegate)" : caller.Roles.FirstOrDefault() ?? "none";
    }

    private static TaskConflictException Held(HumanTaskSpec t) =>
        new($"任务已由 {t.Assignee} 认领。 The task is held by {t.Assignee}.", t.Assignee, t.Revision);

    private static IReadOnlyList<string> StaffRoles(IEnumerable<string> roles) => roles.Where(r => r != MemberRole).Distinct().OrderBy(r => r, StringComparer.Ordinal).ToList();

    /// <summary>The caller with the people they stand in for today.</summary>
    public async Task<TaskScope> ScopeAsync(TaskCaller caller, CancellationToken ct = default)
    {
        var isMember = caller.IsIn(MemberRole);
        var staff = StaffRoles(caller.Roles).ToList();
        var usersList = new List<string> { caller.UserName };
        if (staff.Count > 0)
        {
            var today = Today();
            var delegations = await connections.ReadAsync(async c =>
            {
                var list = new List<(string, string)>();
                await using var r = await c.Command("SELECT Delegator, DelegatorRoles FROM TaskDelegations WHERE Delegate = @u AND \"To\" >= @today AND \"From\" <= @today",
                    null, ("@u", caller.UserName), ("@today", today)).ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct)) list.Add((r.GetString(0), r.GetString(1)));
                return list;
            });
            foreach (var (who, roles) in delegations)
            {
                if (!usersList.Contains(who)) usersList.Add(who);
                foreach (var role in roles.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    if (role != MemberRole && !staff.Contains(role)) staff.Add(role);
            }
        }
        return new TaskScope(caller.UserName, usersList, staff, isMember, caller.IsIn(SupervisorRole));
    }

    // ---------------------------------------------------------------- plumbing

    private async Task<TaskItem> ChangeAsync(TaskCaller caller, string taskId, long? expectedRevision,
        Func<TaskScope, HumanTaskSpec, (string Event, HumanTaskSpec Changed, string Message)?> decide, CancellationToken ct)
    {
        var scope = await ScopeAsync(caller, ct);
        var before = await RowAsync(taskId, ct);
        if (before is null || !MaySee(scope, before)) throw new TaskNotFoundException(taskId);
        if (before.Status != HumanTaskStatus.Open)
            throw new TaskConflictException($"任务已{(before.Status == HumanTaskStatus.Completed ? "办结" : "取消")}。 The task was already {before.Status.ToLowerInvariant()}.", null, before.Revision);
        var actor = new Actor(caller.UserName, ActingRole(scope, caller, before.Spec()));
        try
        {
            var result = await runtime.ChangeBookmarkAsync(taskId, (bookmark, _) =>
            {
                if (bookmark.Kind != Engine.Activities.BookmarkKinds.HumanTask) throw new TaskNotFoundException(taskId);
                var t = HumanTaskSpec.Of(bookmark);
                if (!MaySee(scope, t)) throw new TaskNotFoundException(taskId);
                if (expectedRevision is { } rev && rev != t.Revision)
                    throw new TaskConflictException(t.Assignee is null
                        ? $"任务已被他人更改（版本 {t.Revision}），请刷新后重试。 The task changed meanwhile (revision {t.Revision}); reload and try again."
                        : $"任务已被他人更改，现由 {t.Assignee} 处理。 The task changed meanwhile and is held by {t.Assignee}.", t.Assignee, t.Revision);
                if (decide(scope, t) is not { } d) return null;
                var changed = d.Changed with { Revision = t.Revision + 1 };
                return new BookmarkChange(d.Event, changed.ToPayload(), d.Message,
                    new JsonObject { ["assignee"] = changed.Assignee, ["previousAssignee"] = t.Assignee, ["revision"] = changed.Revision }, []);
            }, actor, $"task:{taskId}:{Guid.CreateVersion7():N}", ct);
            if (result is null && await RowAsync(taskId, ct) is { Status: not HumanTaskStatus.Open })
                throw new TaskConflictException("任务已办结。 The task was already completed.", null, null);
        }
        catch (ConcurrencyConflictException)
        {
            // Someone else changed the instance between our read and our commit: say who has the task now.
            var now = await RowAsync(taskId, ct);
            if (now is null || now.Status != HumanTaskStatus.Open) throw new TaskConflictException("任务已办结。 The task was already completed.", null, null);
            throw now.Assignee is { } holder && holder != caller.UserName
                ? new TaskConflictException($"任务已由 {holder} 认领。 The task is held by {holder}.", holder, now.Revision)
                : new TaskConflictException($"任务刚被他人更改，请刷新后重试。 The task was changed by someone else at the same time; reload and try again.", now.Assignee, now.Revision);
        }
        return await GetAsync(caller, taskId, ct);
    }

    private Task<TaskRow?> RowAsync(string id, CancellationToken ct) =>
        connections.ReadAsync(async c =>
        {
            await using var r = await c.Command($"SELECT {TaskSql.Columns}, 0 FROM HumanTasks WHERE Id = @id", null, ("@id", id)).ExecuteReaderAsync(ct);
            return await r.ReadAsync(ct) ? TaskRow.Read(r) : null;
        });

    private TaskItem Item(TaskRow r, TaskScope s, IReadOnlyDictionary<string, long> ordinals)
    {
        var spec = r.Spec();
        var open = r.Status == HumanTaskStatus.Open;
        long? remaining = r.DueAt is null || r.Hours == "" || r.RemainingKey == long.MaxValue ? null : r.RemainingKey - ordinals.GetValueOrDefault(r.Hours);
        var canClaim = open && r.Assignee is null && MayWork(s, spec) && r.CandidateRole != MemberRole;
        var canComplete = open && (s.HoldsOrStandsIn(r.Assignee) || (r.Assignee is null && MayWork(s, spec)));
        return new TaskItem(r.Id, r.InstanceId, r.DefinitionId, r.ActivityId, r.ActivityType, r.Title, r.Instructions,
            JsonSerializer.Deserialize<List<string>>(r.OutcomesJson) ?? [], r.ServiceCode, r.ServiceName, r.CaseId, r.Reference, r.SubjectName,
            r.CandidateRole, r.EscalatedTo, r.EscalatedAt, r.Assignee, r.CreatedAt, r.DueAt, r.FollowUpAt, r.Priority, r.Status, r.Revision, remaining,
            r.Hours == "" ? null : r.Hours, canClaim, canComplete);
    }

    private static void CheckFilter(TaskFilter? f)
    {
        if (f is null) return;
        if (f.DueFrom is { } a && f.DueTo is { } b && b < a)
            throw new TaskRequestException("dueTo", "到期时间范围的结束早于开始。 The end of the due range is before its start.");
        if (f.MinPriority is < 0 or > 100) throw new TaskRequestException("minPriority", "优先级须在 0 到 100 之间。 minPriority must be between 0 and 100.");
        if (f.Member is { Length: > 100 } || f.PolicyNumber is { Length: > 100 } || f.ServiceCode is { Length: > 100 })
            throw new TaskRequestException("filter", "筛选条件过长。 A filter value is too long.");
    }

    private DateOnly Today() => calendar.LocalDate(clock.GetUtcNow());

    private DateTimeOffset EndOfToday(DateTimeOffset now) => BusinessCalendar.At(calendar.LocalDate(now).AddDays(1), TimeOnly.MinValue);

    private static JsonElement J<T>(T v) => JsonSerializer.SerializeToElement(v);
}

/// <summary>A row of the task table as read by the service.</summary>
internal sealed record TaskRow(string Id, string InstanceId, string DefinitionId, string ActivityId, string ActivityType, string Title, string? Instructions,
    string OutcomesJson, string? ServiceCode, string? ServiceName, string? CaseId, string? Reference, string? SubjectName, string? SubjectUserId,
    string CandidateRole, string? EscalatedTo, DateTimeOffset? EscalatedAt, string? Assignee, DateTimeOffset CreatedAt, DateTimeOffset? DueAt, long DueKey,
    string Hours, long RemainingKey, DateTimeOffset? FollowUpAt, int Priority, string Status, long Revision)
{
    public static TaskRow Read(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
        S(r, 6), r.GetString(7), S(r, 8), S(r, 9), S(r, 10), S(r, 11), S(r, 12), S(r, 13), r.GetString(14), S(r, 15), T(r, 16), S(r, 17),
        T(r, 18)!.Value, T(r, 19), r.GetInt64(20), r.GetString(21), r.GetInt64(22), T(r, 23), r.GetInt32(24), r.GetString(25), r.GetInt64(26));

    public HumanTaskSpec Spec() => new()
    {
        Title = Title, Role = CandidateRole, EscalatedTo = EscalatedTo, Assignee = Assignee, Revision = Revision, Priority = Priority, DueAt = DueAt,
        Subject = new TaskSubject(ServiceCode, ServiceName, CaseId, Reference, SubjectName, SubjectUserId),
    };

    private static string? S(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static DateTimeOffset? T(DbDataReader r, int i) => r.IsDBNull(i) ? null : new DateTimeOffset(r.GetInt64(i), TimeSpan.Zero);
}
