namespace Workflows.Engine.Activities.Forms;

/// <summary>Chinese and English labels of the outcomes the workflows use; an outcome not listed shows its own name.</summary>
public static class OutcomeLabels
{
    private static readonly Dictionary<string, (string Zh, string En)> Known = new(StringComparer.Ordinal)
    {
        ["Done"] = ("完成", "Done"),
        ["Reached"] = ("已联系上", "Reached"),
        ["Unreachable"] = ("未能联系上", "Unreachable"),
        ["Booked"] = ("已预约", "Booked"),
        ["Withdrawn"] = ("会员撤回", "Withdrawn"),
        ["Completed"] = ("已完成服务", "Completed"),
        ["NoShow"] = ("爽约", "No-show"),
        ["Approved"] = ("审核通过", "Approved"),
        ["Refused"] = ("审核不通过", "Refused"),
        ["PickedUp"] = ("已到店取药", "Picked up"),
        ["Delivered"] = ("已配送", "Delivered"),
        ["Expired"] = ("凭证逾期作废", "Expired"),
        ["Redispatch"] = ("拒收·重新发货", "Refused at the door: re-dispatch"),
        ["Planned"] = ("已规划药店", "Pharmacy planned"),
        ["Answered"] = ("已回复", "Answered"),
        ["Enrolled"] = ("已入组", "Enrolled"),
        ["Declined"] = ("会员拒绝", "Declined"),
        ["Handled"] = ("已处理", "Handled"),
        ["Authorised"] = ("已授权", "Authorised"),
        ["Rejected"] = ("已驳回", "Rejected"),
        ["Closed"] = ("已结案", "Closed"),
        ["Close"] = ("结案", "Close"),
        ["AlreadyAuthorised"] = ("此前已授权", "Already authorised"),
        ["Alerts"] = ("指标预警", "Alerts"),
        ["Consultations"] = ("在线咨询", "Consultations"),
    };

    public static FormOutcome For(string outcome) =>
        Known.TryGetValue(outcome, out var l) ? new(outcome, l.Zh, l.En) : new(outcome, outcome, outcome);
}
