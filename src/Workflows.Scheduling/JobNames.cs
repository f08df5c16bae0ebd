using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// The name a piece of work has in Hangfire's dashboard: what it does and which case it concerns, so an operator reads
/// "Timer resume · instance 0193…" rather than "WorkRunner.RunAsync". Ids only: names never hold personal data.
/// </summary>
public static class JobNames
{
    private static readonly IReadOnlyDictionary<string, string> Kinds = new Dictionary<string, string>
    {
        [WorkKinds.WorkflowTimer] = "Timer resume 定时恢复",
        [WorkKinds.SlaDeadline] = "SLA escalation 超时升级",
        [WorkKinds.Reminder] = "Reminder 提醒",
        [WorkKinds.DeliverNotification] = "Message 消息发送",
        [WorkKinds.MonthlySummaries] = "Monthly summary 月度小结",
        [WorkKinds.ContractEnd] = "Contract end 合同到期",
    };

    public static string For(ScheduledWork work)
    {
        var what = Kinds.TryGetValue(work.Kind, out var k) ? k : work.Kind;
        string? Text(string name) => work.Payload[name] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var subject = Text("applicationId") is { } app ? $"application {app}"
            : Text("instanceId") is { } instance ? $"instance {instance}"
            : Text("month") is { } month ? $"month {month}"
            : Text("policyId") is { } policy ? $"policy {policy}"
            : null;
        var type = Text("type");
        return string.Join(" · ", new[] { what, type, subject, work.Key }.Where(p => !string.IsNullOrEmpty(p)).Distinct());
    }
}
