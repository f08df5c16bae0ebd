namespace Workflows.Domain.Applications;

/// <summary>
/// Where an application came from. Members apply themselves in the app; the handbooks' hotlines are channels too:
/// CPIC's health-service hotline 95500 (C 757, 767-771, 863: 周一至周日 9:00-21:00) and JD Allianz's service line
/// 4008002020 (J 187, 244), where a specialist files the application on the member's behalf.
/// </summary>
public static class ApplicationChannels
{
    public sealed record Channel(string Code, string NameZh, string NameEn, string? Phone, string? Insurer, bool ByPhone);

    public const string App = "app";
    public const string Cpic95500 = "cpic-95500";
    public const string JdHotline = "jd-hotline";
    public const string Other = "staff-other";

    public static readonly IReadOnlyList<Channel> All =
    [
        new(App, "会员自助申请", "Member self-service", null, null, false),
        new(Cpic95500, "太平洋健康服务热线 95500", "CPIC health-service hotline 95500", "95500", "CPIC", true),
        new(JdHotline, "京东安联客服热线 4008002020", "JD Allianz service line 4008002020", "4008002020", "JD", true),
        new(Other, "其他渠道（工作人员代为申请）", "Other (filed by staff)", null, null, true),
    ];

    public static Channel? Find(string? code) => All.FirstOrDefault(c => c.Code == code);

    public static Channel Of(string? code) => Find(code) ?? All[0];
}
