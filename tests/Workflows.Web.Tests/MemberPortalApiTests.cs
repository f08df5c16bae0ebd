using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Workflows.Web.Tests;

/// <summary>The member API the portal's rules are also served on: the cancellation preview and the JD estimate's drug lookup.</summary>
public sealed class MemberPortalApiTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    private async Task ImportAsync(object policy)
    {
        var admin = await factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { policy } });
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_cancellation_preview_says_what_the_cancellation_then_does_and_only_to_the_applicant()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = "PV-" + Guid.NewGuid().ToString("N")[..8];
        await ImportAsync(new
        {
            policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31",
            insured = new { name = "预览", idNumber = "110101198005010077", userName = "preview-member" },
            diagnoses = new[] { new { kind = "recurrence", diagnosedOn = "2026-04-01", detail = "复发" } },
        });
        var member = await factory.MemberAsync("preview-member");
        var other = await factory.MemberAsync("preview-other");
        var created = await member.PostAsJsonAsync("/api/me/applications", new
        {
            serviceCode = "cpic-outpatient-green-channel", policyNumber = number, details = new { hospital = "上海交通大学医学院附属瑞金医院" },
        });
        var id = (await created.Body()).GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/me/applications/{id}/cancellation-preview")).StatusCode);
        var preview = await member.GetFromJsonAsync<JsonElement>($"/api/me/applications/{id}/cancellation-preview");
        Assert.True(preview.GetProperty("quotaRestored").GetBoolean());
        Assert.Equal("现在取消，服务次数将退回，因为尚未预约。", preview.GetProperty("previewZh").GetString());

        var cancel = await (await member.SendAsync(Json.Post($"/api/me/applications/{id}/cancel", null, "pv-cancel"))).Body();
        Assert.Equal(preview.GetProperty("explanationZh").GetString(), cancel.GetProperty("explanationZh").GetString());
        Assert.Equal(preview.GetProperty("quotaRestored").GetBoolean(), cancel.GetProperty("quotaRestored").GetBoolean());
        var ended = await member.GetAsync($"/api/me/applications/{id}/cancellation-preview");
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
    }

    [Fact]
    public async Task The_JD_estimate_looks_the_drug_up_on_the_JD_list()
    {
        var number = "EJ-" + Guid.NewGuid().ToString("N")[..8];
        await ImportAsync(new
        {
            policyNumber = number, product = "jd-malignant-tumour-drug", variant = "with-social-insurance", effectiveDate = "2026-01-01", endDate = "2026-12-31",
            insured = new { name = "试算", idNumber = "110101198005010088", userName = "estimate-member" },
        });
        var member = await factory.MemberAsync("estimate-member");
        var listed = await member.PostAsJsonAsync("/api/me/reimbursement-estimate", new
        {
            policyNumber = number, drug = "利普卓", drugCost = 10000m, onSocialInsuranceList = true, settledThroughSocialInsurance = false, socialInsurancePaid = 0m,
        });
        Assert.Equal(6000m, (await listed.Body()).GetProperty("payable").GetDecimal()); // on the social-insurance list, not settled through it: 60%
        var unlisted = await member.PostAsJsonAsync("/api/me/reimbursement-estimate", new { policyNumber = number, drug = "阿司匹林", drugCost = 100m });
        Assert.Equal(HttpStatusCode.BadRequest, unlisted.StatusCode);
        var problem = await unlisted.Content.ReadAsStringAsync();
        Assert.Contains("drug", problem);
        Assert.Contains("阿司匹林", problem);
    }
}
