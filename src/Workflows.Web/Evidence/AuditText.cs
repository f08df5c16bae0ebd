namespace Workflows.Web.Evidence;

/// <summary>Chinese labels for the audit page: journal events, roles, statuses.</summary>
public static class AuditText
{
    public static string Event(string name) => name switch
    {
        "WorkflowStarted" => "流程开始",
        "WorkflowFinished" => "流程结束",
        "WorkflowFaulted" => "流程故障",
        "WorkflowCancelled" => "流程取消",
        "Started" => "活动开始",
        "Completed" => "活动完成",
        "Faulted" => "活动故障",
        "BookmarkCreated" => "创建任务/等待",
        "BookmarkResumed" => "任务完成/恢复",
        "BookmarkCancelled" => "取消任务/等待",
        "IncidentRetried" => "故障重试",
        "TaskEscalated" => "任务超时升级",
        "InstanceMigrated" => "迁移到新版本",
        _ => name,
    };

    public static string Role(string role) => role switch
    {
        "Member" => "会员",
        "Specialist" => "服务专员",
        "CaseManager" => "个案管理师",
        "Supervisor" => "服务主管",
        "Analyst" => "业务分析师",
        "Auditor" => "审计员",
        "Admin" => "管理员",
        "System" => "系统",
        _ => role,
    };

    public static string Status(string status, string subStatus) => (status, subStatus) switch
    {
        (_, "Suspended") => "等待中",
        (_, "Executing") => "运行中",
        (_, "Faulted") => "故障",
        (_, "Finished") => "已结束",
        (_, "Cancelled") => "已取消",
        ("Running", _) => "运行中",
        _ => $"{status}/{subStatus}",
    };
}
