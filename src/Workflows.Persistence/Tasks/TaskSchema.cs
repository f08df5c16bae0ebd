using Microsoft.EntityFrameworkCore;

namespace Workflows.Persistence.Tasks;

/// <summary>
/// The task tables and their indexes. Every inbox list is a union of "queues" — tasks assigned to a user, unclaimed tasks
/// of a candidate role, unclaimed tasks escalated to a group, or all open tasks (supervisors' board) — each read in one
/// of four orders (due, created, priority, remaining working time). Each queue × order has a partial index over the open
/// tasks, so a page is an index range walk and a count an index range count; closed tasks are in none of them.
/// </summary>
public static class TaskSchema
{
    public const string OpenFilter = "\"Status\" = 'Open'";

    /// <summary>The leading columns of each queue.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Queues = new Dictionary<string, string[]>
    {
        ["Assignee"] = [nameof(HumanTaskRecord.Assignee)],
        ["Role"] = [nameof(HumanTaskRecord.CandidateRole), nameof(HumanTaskRecord.Assignee)],
        ["Escalated"] = [nameof(HumanTaskRecord.EscalatedTo), nameof(HumanTaskRecord.Assignee)],
        ["All"] = [],
    };

    /// <summary>The order columns of each sort, and which are descending in the index.</summary>
    public static readonly IReadOnlyDictionary<string, (string Column, bool Descending)[]> Orders = new Dictionary<string, (string, bool)[]>
    {
        ["Due"] = [(nameof(HumanTaskRecord.DueKey), false), (nameof(HumanTaskRecord.Id), false)],
        ["Created"] = [(nameof(HumanTaskRecord.Id), false)],
        ["Priority"] = [(nameof(HumanTaskRecord.Priority), true), (nameof(HumanTaskRecord.DueKey), false), (nameof(HumanTaskRecord.Id), false)],
        ["Remaining"] = [(nameof(HumanTaskRecord.Hours), false), (nameof(HumanTaskRecord.RemainingKey), false), (nameof(HumanTaskRecord.Id), false)],
    };

    public static string IndexName(string queue, string order) => $"IX_HumanTasks_{queue}_{order}";

    public static void Configure(ModelBuilder b)
    {
        b.Entity<HumanTaskRecord>(e =>
        {
            e.ToTable("HumanTasks");
            e.HasKey(x => x.Id);
            e.Property(x => x.Status).HasMaxLength(16);
            e.HasIndex(x => x.InstanceId);
            e.HasIndex(x => new { x.SubjectUserId, x.Status });
            e.HasIndex(x => x.Reference).HasFilter(OpenFilter).HasDatabaseName("IX_HumanTasks_Reference");
            e.HasIndex(x => x.CaseId).HasDatabaseName("IX_HumanTasks_CaseId");
            foreach (var (queue, lead) in Queues)
            foreach (var (order, cols) in Orders)
            {
                var names = lead.Concat(cols.Select(c => c.Column)).ToArray();
                var desc = lead.Select(_ => false).Concat(cols.Select(c => c.Descending)).ToArray();
                var index = e.HasIndex(names, IndexName(queue, order)).HasFilter(OpenFilter);
                if (desc.Any(d => d)) index.IsDescending(desc);
            }
        });
        b.Entity<TaskDelegationRecord>(e =>
        {
            e.ToTable("TaskDelegations");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.Delegate, x.To });
            e.HasIndex(x => new { x.Delegator, x.To });
        });
        b.Entity<SavedTaskFilterRecord>(e =>
        {
            e.ToTable("SavedTaskFilters");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.UserName, x.Name }).IsUnique();
        });
    }
}
