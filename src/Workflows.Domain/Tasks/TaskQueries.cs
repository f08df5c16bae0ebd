using System.Data.Common;
using Workflows.Persistence;
using System.Text;
using System.Text.Json;
using Workflows.Domain.Calendar;
using Workflows.Persistence.Tasks;

namespace Workflows.Domain.Tasks;

/// <summary>
/// Who the caller is for the task lists: their user name and roles, and the people they stand in for today (active
/// out-of-office delegations) with those people's roles.
/// </summary>
public sealed record TaskScope(string UserName, IReadOnlyList<string> Users, IReadOnlyList<string> StaffRoles, bool IsMember, bool IsSupervisor)
{
    public bool HoldsOrStandsIn(string? assignee) => assignee is not null && Users.Contains(assignee, StringComparer.Ordinal);
    public bool InGroup(string role, string? escalatedTo) =>
        StaffRoles.Contains(role, StringComparer.Ordinal) || (escalatedTo is not null && StaffRoles.Contains(escalatedTo, StringComparer.Ordinal));
}

/// <summary>
/// Builds the SQL of the task lists and counts. A view is a union of queues, each one index range of the open tasks
/// (see <see cref="TaskSchema"/>): tasks assigned to the caller (or a delegator), unclaimed tasks of each of their roles,
/// unclaimed tasks escalated to one of their groups and not already in a role queue, a member's own tasks. Each queue is
/// read in the page's order from its index and stopped at the page size; the union of those short lists is merged.
/// Filters are further conditions on the same rows.
/// </summary>
internal sealed class TaskSql
{
    public const string Columns = """
        Id, InstanceId, DefinitionId, ActivityId, ActivityType, Title, Instructions, OutcomesJson, ServiceCode, ServiceName, CaseId, Reference,
        SubjectName, SubjectUserId, CandidateRole, EscalatedTo, EscalatedAt, Assignee, CreatedAt, DueAt, DueKey, Hours, RemainingKey, FollowUpAt,
        Priority, Status, Revision
        """;

    /// <summary>The hours calendars a deadline can count in ("" = no deadline).</summary>
    public static readonly string[] HoursNames = ["", "OfficeDay", "HospitalDay", "Hotline"];

    private readonly List<(string Name, object? Value)> _args = [];
    private int _n;

    public IReadOnlyList<(string Name, object? Value)> Args => _args;

    public string Arg(object? value)
    {
        var name = $"@p{_n++}";
        _args.Add((name, value));
        return name;
    }

    /// <summary>The queues of a view, each as a WHERE fragment (without the common Status and view conditions).</summary>
    public List<string> Queues(TaskScope s, TaskView view)
    {
        var queues = new List<string>();
        if (view is TaskView.AllOpen or TaskView.AllOverdue or TaskView.AllEscalated)
        {
            queues.Add("1 = 1");
            return queues;
        }
        if (view is TaskView.Mine or TaskView.Workable or TaskView.Overdue or TaskView.DueToday)
            foreach (var u in s.Users) queues.Add($"Assignee = {Arg(u)}");
        if (view is TaskView.Unclaimed or TaskView.Workable or TaskView.Overdue or TaskView.DueToday)
        {
            foreach (var r in s.StaffRoles) queues.Add($"CandidateRole = {Arg(r)} AND Assignee IS NULL");
            if (s.IsMember) queues.Add($"CandidateRole = 'Member' AND Assignee IS NULL AND SubjectUserId = {Arg(s.UserName)}");
            // Escalated tasks of a group the caller is in, unless their role queue already has them.
            foreach (var g in s.StaffRoles)
            {
                var notMine = s.StaffRoles.Count == 0 ? "" : $" AND CandidateRole NOT IN ({string.Join(", ", s.StaffRoles.Select(Arg))})";
                queues.Add($"EscalatedTo = {Arg(g)} AND Assignee IS NULL{notMine}");
            }
        }
        return queues;
    }

    /// <summary>The view's own condition (overdue, due today, escalated) and the filters.</summary>
    /// <param name="orderedScan">
    /// True when the page walks an order index other than due: "overdue" is then written <c>+DueKey</c> so the planner does
    /// not trade the ordered walk (overdue tasks come first in remaining-time order) for a range over half the tasks.
    /// </param>
    public string Conditions(TaskView view, TaskFilter? f, DateTimeOffset now, DateTimeOffset endOfToday, bool orderedScan = false)
    {
        var sb = new StringBuilder();
        switch (view)
        {
            case TaskView.Overdue or TaskView.AllOverdue: sb.Append($" AND {(orderedScan ? "+DueKey" : "DueKey")} < {Arg(now.UtcTicks)}"); break;
            case TaskView.DueToday: sb.Append($" AND DueKey >= {Arg(now.UtcTicks)} AND DueKey < {Arg(endOfToday.UtcTicks)}"); break;
            case TaskView.AllEscalated: sb.Append(" AND EscalatedTo IS NOT NULL"); break;
        }
        if (f is null) return sb.ToString();
        if (!string.IsNullOrWhiteSpace(f.ServiceCode)) sb.Append($" AND ServiceCode = {Arg(f.ServiceCode.Trim())}");
        switch (f.Status)
        {
            case TaskStatusFilter.Unclaimed: sb.Append(" AND Assignee IS NULL"); break;
            case TaskStatusFilter.Claimed: sb.Append(" AND Assignee IS NOT NULL"); break;
            case TaskStatusFilter.Escalated: sb.Append(" AND EscalatedTo IS NOT NULL"); break;
        }
        if (f.MinPriority is { } p) sb.Append($" AND Priority >= {Arg(p)}");
        if (f.DueFrom is { } from) sb.Append($" AND DueKey >= {Arg(from.UtcTicks)}");
        if (f.DueTo is { } to) sb.Append($" AND DueKey < {Arg(to.UtcTicks)}");
        if (!string.IsNullOrWhiteSpace(f.PolicyNumber)) sb.Append($" AND Reference = {Arg(f.PolicyNumber.Trim())}");
        if (!string.IsNullOrWhiteSpace(f.Member))
        {
            var m = f.Member.Trim();
            sb.Append($" AND (SubjectUserId = {Arg(m)} OR SubjectName LIKE {Arg(Like(m) + "%")} ESCAPE '\\')");
        }
        return sb.ToString();
    }

    private static string Like(string s) => s.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary>The count of a view: the sum of its queues' counts (queues are disjoint).</summary>
    public string Count(TaskScope s, TaskView view, TaskFilter? f, DateTimeOffset now, DateTimeOffset endOfToday)
    {
        var queues = Queues(s, view);
        if (queues.Count == 0) return "0";
        var conditions = Conditions(view, f, now, endOfToday);
        return string.Join(" + ", queues.Select(q => $"(SELECT COUNT(*) FROM HumanTasks WHERE Status = 'Open' AND {q}{conditions})"));
    }

    /// <summary>
    /// A page: every queue ordered and limited on its index (for remaining working time, also split by hours calendar, in
    /// which due order is remaining-time order), then merged on the sort key.
    /// </summary>
    public string Page(TaskScope s, TaskQuery q, Cursor? after, IReadOnlyDictionary<string, long> nowOrdinals, DateTimeOffset now, DateTimeOffset endOfToday,
        int take)
    {
        var queues = Queues(s, q.View);
        if (queues.Count == 0) return "";
        var desc = q.Descending;
        string Dir(bool columnDescending) => columnDescending ^ desc ? "DESC" : "ASC";
        if (q.View == TaskView.DueToday || !string.IsNullOrWhiteSpace(q.Filter?.PolicyNumber))
            return Narrow(queues, q, after, nowOrdinals, now, endOfToday, take, Dir);
        var conditions = Conditions(q.View, q.Filter, now, endOfToday, orderedScan: q.Sort != TaskSort.Due);
        var limit = Arg(take);
        var parts = new List<string>();
        string outerOrder;
        foreach (var queue in queues)
        {
            switch (q.Sort)
            {
                case TaskSort.Due:
                    parts.Add(Part(queue, conditions, Keyset(["DueKey", "Id"], after?.Values.Select(Value).ToArray(), desc), $"DueKey {Dir(false)}, Id {Dir(false)}", "DueKey", limit));
                    break;
                case TaskSort.Created:
                    parts.Add(Part(queue, conditions, Keyset(["Id"], after?.Values.Select(Value).ToArray(), desc), $"Id {Dir(false)}", "0", limit));
                    break;
                case TaskSort.Priority:
                    parts.Add(Part(queue, conditions, PriorityKeyset(after?.Values, desc), $"Priority {Dir(true)}, DueKey {Dir(false)}, Id {Dir(false)}", "0", limit));
                    break;
                default:
                    foreach (var hours in HoursNames)
                    {
                        // A task without a deadline is never overdue or due today.
                        if (hours == "" && q.View is TaskView.Overdue or TaskView.AllOverdue) continue;
                        var offset = nowOrdinals.GetValueOrDefault(hours);
                        var keyset = after is null ? "" : Keyset(["RemainingKey", "Id"], [Saturating(after.Values[0].GetInt64(), offset), Value(after.Values[1])], desc);
                        parts.Add(Part($"{queue} AND Hours = {Arg(hours)}", conditions, keyset, $"RemainingKey {Dir(false)}, Id {Dir(false)}",
                            hours == "" ? "RemainingKey" : $"RemainingKey - {Arg(offset)}", limit));
                    }
                    break;
            }
        }
        outerOrder = q.Sort switch
        {
            TaskSort.Due => $"DueKey {Dir(false)}, Id {Dir(false)}",
            TaskSort.Created => $"Id {Dir(false)}",
            TaskSort.Priority => $"Priority {Dir(true)}, DueKey {Dir(false)}, Id {Dir(false)}",
            _ => $"SortKey {Dir(false)}, Id {Dir(false)}",
        };
        return $"SELECT * FROM (\n{string.Join("\nUNION ALL\n", parts)}\n) AS page ORDER BY {outerOrder} LIMIT {limit}";
    }

    /// <summary>
    /// A view whose rows are few by nature — due today (one day's deadlines), or one policy number — is read in one
    /// statement from the range or the policy-number index and sorted; no per-queue, per-calendar split is needed.
    /// </summary>
    private string Narrow(List<string> queues, TaskQuery q, Cursor? after, IReadOnlyDictionary<string, long> nowOrdinals, DateTimeOffset now,
        DateTimeOffset endOfToday, int take, Func<bool, string> dir)
    {
        var conditions = Conditions(q.View, q.Filter, now, endOfToday);
        var remaining = "CASE Hours " + string.Join(" ", HoursNames.Where(h => h != "").Select(h => $"WHEN {Arg(h)} THEN RemainingKey - {Arg(nowOrdinals.GetValueOrDefault(h))}")) +
                        " ELSE RemainingKey END";
        string sortKey, order, keyset;
        switch (q.Sort)
        {
            case TaskSort.Due:
                (sortKey, order, keyset) = ("DueKey", $"DueKey {dir(false)}, Id {dir(false)}", Keyset(["DueKey", "Id"], after?.Values.Select(Value).ToArray(), q.Descending));
                break;
            case TaskSort.Created:
                (sortKey, order, keyset) = ("0", $"Id {dir(false)}", Keyset(["Id"], after?.Values.Select(Value).ToArray(), q.Descending));
                break;
            case TaskSort.Priority:
                (sortKey, order, keyset) = ("0", $"Priority {dir(true)}, DueKey {dir(false)}, Id {dir(false)}", PriorityKeyset(after?.Values, q.Descending));
                break;
            default:
                sortKey = remaining;
                order = $"SortKey {dir(false)}, Id {dir(false)}";
                keyset = after is null ? "" : $" AND ({remaining}, Id) {(q.Descending ? "<" : ">")} ({Arg(after.Values[0].GetInt64())}, {Arg(Value(after.Values[1]))})";
                break;
        }
        var limit = Arg(take);
        if (!string.IsNullOrWhiteSpace(q.Filter?.PolicyNumber))
        {
            // One policy's tasks: the policy-number index finds them; the queues are conditions on those few rows.
            var where = $"Status = 'Open' AND ({string.Join(" OR ", queues.Select(x => $"({x})"))}){conditions}";
            return $"SELECT {Columns}, {sortKey} AS SortKey FROM HumanTasks WHERE {where}{keyset} ORDER BY {order} LIMIT {limit}";
        }
        // Due today: each queue's due-time index gives that queue's tasks due today (a day's worth), sorted and cut; merged.
        var parts = queues.Select(queue =>
            $"SELECT * FROM (SELECT {Columns}, {sortKey} AS SortKey FROM HumanTasks WHERE Status = 'Open' AND {queue}{conditions}{keyset} ORDER BY {order} LIMIT {limit}) AS queue");
        return $"SELECT * FROM (\n{string.Join("\nUNION ALL\n", parts)}\n) AS page ORDER BY {order} LIMIT {limit}";
    }

    private static string Part(string queue, string conditions, string keyset, string order, string sortKey, string limit) =>
        $"SELECT * FROM (SELECT {Columns}, {sortKey} AS SortKey FROM HumanTasks WHERE Status = 'Open' AND {queue}{conditions}{keyset} ORDER BY {order} LIMIT {limit}) AS queue";

    private static long Saturating(long a, long b)
    {
        if (a == long.MaxValue) return long.MaxValue;
        var r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? long.MaxValue : r;
    }

    /// <summary>After (c1, …, cn) = (v1, …, vn) in the order: a row-value comparison, with the leading column's bound for the index range.</summary>
    private string Keyset(string[] columns, object?[]? values, bool desc)
    {
        if (values is null) return "";
        var args = columns.Select((c, i) => Arg(values[i])).ToArray();
        var op = desc ? "<" : ">";
        var lead = desc ? "<=" : ">=";
        return columns.Length == 1
            ? $" AND {columns[0]} {op} {args[0]}"
            : $" AND {columns[0]} {lead} {args[0]} AND ({string.Join(", ", columns)}) {op} ({string.Join(", ", args)})";
    }

    /// <summary>Priority descending, then due and id ascending (all flipped when descending).</summary>
    private string PriorityKeyset(IReadOnlyList<JsonElement>? values, bool desc)
    {
        if (values is null) return "";
        var p = Arg(values[0].GetInt64());
        var d = Arg(values[1].GetInt64());
        var id = Arg(values[2].GetString());
        return desc
            ? $" AND Priority >= {p} AND (Priority > {p} OR (Priority = {p} AND (DueKey, Id) < ({d}, {id})))"
            : $" AND Priority <= {p} AND (Priority < {p} OR (Priority = {p} AND (DueKey, Id) > ({d}, {id})))";
    }

    private static object? Value(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetInt64() : e.GetString();

    public static void Bind(DbCommand cmd, IReadOnlyList<(string Name, object? Value)> args)
    {
        foreach (var (name, value) in args) cmd.AddWithValue(name, value ?? DBNull.Value);
    }
}

/// <summary>
/// The keyset cursor: the sort values of the last row of the page, and (for remaining working time) the working-time
/// ordinals of "now" the first page used, so that later pages continue the same order. Opaque to clients (base64url JSON).
/// </summary>
internal sealed record Cursor(TaskView View, TaskSort Sort, bool Descending, IReadOnlyList<JsonElement> Values, Dictionary<string, long>? Now)
{
    public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Cursor? Decode(string? text, TaskQuery q)
    {
        if (string.IsNullOrEmpty(text)) return null;
        try
        {
            var b64 = text.Replace('-', '+').Replace('_', '/');
            b64 += new string('=', (4 - b64.Length % 4) % 4);
            var c = JsonSerializer.Deserialize<Cursor>(Convert.FromBase64String(b64));
            var expected = q.Sort switch { TaskSort.Created => 1, TaskSort.Priority => 3, _ => 2 };
            if (c is null || c.View != q.View || c.Sort != q.Sort || c.Descending != q.Descending || c.Values.Count != expected) throw new FormatException();
            return c;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw new TaskRequestException("after", "翻页游标无效或与当前视图、排序不符，请从第一页重新开始。 The 'after' cursor is not valid for this view and sort; start again from the first page.");
        }
    }
}

/// <summary>The working-time ordinals of an instant in every hours calendar.</summary>
internal static class WorkingClock
{
    public static Dictionary<string, long> Ordinals(BusinessCalendar calendar, DateTimeOffset now) =>
        TaskSql.HoursNames.ToDictionary(h => h, h => h == "" ? 0 : calendar.WorkingMinuteOf(now, Activities.DeadlineTaskActivity.ServiceHoursNamed(h)));
}
