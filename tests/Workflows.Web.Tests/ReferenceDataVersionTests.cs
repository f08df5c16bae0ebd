using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain.ReferenceData;

namespace Workflows.Web.Tests;

/// <summary>
/// Reference data in versions, through the HTTP API on a real SQLite file (docs/reference-data.md): an Admin uploads a
/// changed JD drug list, sees each bad row refused in Chinese with nothing kept, previews and diffs a good one, publishes
/// it from a future date; decisions before that date use (and record) version 1, after it version 2.
/// </summary>
public sealed class ReferenceDataVersionTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    private const string NewDrug = "测试新药单抗";

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private async Task<string> JdPolicyAsync(string user)
    {
        var number = "RD-JD-" + Guid.NewGuid().ToString("N")[..8];
        var admin = await factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[]
            {
                new { policyNumber = number, product = "jd-malignant-tumour-drug", variant = "without-social-insurance", effectiveDate = "2026-01-01", endDate = "2026-12-31",
                      insured = new { name = "参考数据", idNumber = "110101198005010033", userName = user },
                      diagnoses = new[] { new { kind = "first-malignant-tumour", diagnosedOn = "2026-05-01" } } },
            },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return number;
    }

    private async Task<JsonElement> ApplyAsync(string user, string policy, string drug)
    {
        var member = await factory.MemberAsync(user);
        var r = await member.PostAsJsonAsync("/api/me/applications", new
        {
            serviceCode = "jd-reservation-purchase", policyNumber = policy,
            details = new { drug, city = "上海", prescriptionDays = 30, prescribedOn = "2026-06-09" },
        });
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        return await r.Body();
    }

    private static (string Status, string? Code, string? Version) Decision(JsonElement app) => (app.GetProperty("status").GetString()!,
        app.GetProperty("refusal") is { ValueKind: JsonValueKind.Object } r ? r.GetProperty("code").GetString() : null,
        app.GetProperty("referenceDataVersion").GetString());

    [Fact]
    public async Task Upload_preview_diff_publish_with_a_future_date_switches_decisions_on_that_date_and_each_records_its_version()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z")); // 10:00 on 10 June in Shanghai
        var admin = await factory.ClientAs("Admin");
        var overview = await (await admin.GetAsync("/api/admin/reference-data")).Body();
        Assert.Equal(1, overview.GetProperty("currentVersion").GetInt32());
        Assert.Equal(7, overview.GetProperty("lists").GetArrayLength());

        // The current list, as an Admin downloads it to edit.
        var download = await admin.GetAsync("/api/admin/reference-data/lists/jd-drugs/csv");
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        var current = Encoding.UTF8.GetString(await download.Content.ReadAsByteArrayAsync()).TrimStart('\uFEFF');
        var lines = current.Split('\n').Where(l => l.Length > 0).ToList();
        Assert.StartsWith("seq,brand_name,generic_name", lines[0]);
        Assert.Contains(lines, l => l.Contains("帕博利珠单抗"));

        // A bad file: every bad row is named, in Chinese, and nothing is kept.
        var bad = string.Join('\n', lines.Take(2)) + "\nx1,某商品,,某药企,肺癌,\n3,只有三列,肺癌\n";
        var refused = await admin.PostAsync("/api/admin/reference-data/lists/jd-drugs/uploads?fileName=bad.csv", Csv(bad));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Body();
        var rows = problem.GetProperty("rows").EnumerateArray().ToList();
        Assert.Contains(rows, e => e.GetProperty("line").GetInt32() == 3 && e.GetProperty("column").GetString() == "seq" && e.GetProperty("messageZh").GetString()!.Contains("整数"));
        Assert.Contains(rows, e => e.GetProperty("line").GetInt32() == 3 && e.GetProperty("column").GetString() == "generic_name" && e.GetProperty("messageZh").GetString()!.Contains("通用名"));
        Assert.Contains(rows, e => e.GetProperty("line").GetInt32() == 4 && e.GetProperty("messageZh").GetString()!.Contains("表头有 6 个"));
        Assert.True(problem.GetProperty("errors").TryGetProperty("generic_name", out _));
        Assert.DoesNotContain("System.", problem.ToString());
        // Excel's default Chinese encoding (GB18030) is named as such.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var gbk = await admin.PostAsync("/api/admin/reference-data/lists/jd-drugs/uploads",
            new ByteArrayContent(Encoding.GetEncoding("GB18030").GetBytes(current)) { Headers = { ContentType = new("text/csv") } });
        Assert.Equal(HttpStatusCode.BadRequest, gbk.StatusCode);
        Assert.Contains("UTF-8", (await gbk.Body()).GetProperty("detail").GetString());
        Assert.Equal(404, (int)(await admin.PostAsync("/api/admin/reference-data/lists/no-such-list/uploads", Csv(current))).StatusCode);
        Assert.Equal(0L, factory.Count("RefDataUploads"));
        Assert.Equal(1L, factory.Count("RefDataVersions"));

        // Version 2: 帕博利珠单抗 (可瑞达) removed, a new drug added, one manufacturer changed.
        var edited = new List<string> { lines[0] };
        edited.AddRange(lines.Skip(1).Where(l => !l.Contains("帕博利珠单抗")).Select(l => l.Contains("阿来替尼") ? l.Replace("罗氏制药", "罗氏（中国）") : l));
        edited.Add($"99,新商品,{NewDrug},某药企,肺癌,");
        var text = string.Join('\n', edited) + "\n";
        var stale = await (await admin.PostAsync("/api/admin/reference-data/lists/jd-drugs/uploads?fileName=stale.csv", Csv(text))).Body(); // published by no one
        var uploaded = await admin.PostAsync("/api/admin/reference-data/lists/jd-drugs/uploads?fileName=jd-drug-list-v2.csv", Csv(text));
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var preview = await uploaded.Body();
        var id = preview.GetProperty("id").GetString()!;
        Assert.Equal((1, edited.Count - 1), (preview.GetProperty("baseVersion").GetInt32(), preview.GetProperty("rows").GetInt32()));
        var diff = preview.GetProperty("diff");
        Assert.Equal(NewDrug, diff.GetProperty("added").EnumerateArray().Single().GetProperty("values").GetProperty("generic_name").GetString());
        Assert.Equal("帕博利珠单抗", diff.GetProperty("removed").EnumerateArray().Single().GetProperty("values").GetProperty("generic_name").GetString());
        var change = diff.GetProperty("changed").EnumerateArray().Single().GetProperty("changes").EnumerateArray().Single();
        Assert.Equal(("manufacturer", "生产企业", "罗氏制药", "罗氏（中国）"),
            (change.GetProperty("column").GetString(), change.GetProperty("columnZh").GetString(), change.GetProperty("old").GetString(), change.GetProperty("new").GetString()));
        Assert.Equal(id, (await (await admin.GetAsync($"/api/admin/reference-data/uploads/{id}")).Body()).GetProperty("id").GetString());

        // Publish: the date is checked (not before today), then a future date is accepted; a retry returns the same version.
        var past = await admin.PostAsJsonAsync($"/api/admin/reference-data/uploads/{id}/publish", new { effectiveDate = "2026-06-09" });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.True((await past.Body()).GetProperty("errors").TryGetProperty("effectiveDate", out _));
        var garbled = await admin.PostAsJsonAsync($"/api/admin/reference-data/uploads/{id}/publish", new { effectiveDate = "12/06/2026" });
        Assert.Contains("yyyy-MM-dd", (await garbled.Body()).GetProperty("detail").GetString());
        Assert.Equal(1L, factory.Count("RefDataVersions"));
        var published = await admin.PostAsJsonAsync($"/api/admin/reference-data/uploads/{id}/publish", new { effectiveDate = "2026-06-12" });
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
        var v2 = await published.Body();
        Assert.Equal((2, "2026-06-12", false, 1, 1, 1), (v2.GetProperty("number").GetInt32(), v2.GetProperty("effectiveDate").GetString(), v2.GetProperty("inEffect").GetBoolean(),
            v2.GetProperty("added").GetInt32(), v2.GetProperty("removed").GetInt32(), v2.GetProperty("changed").GetInt32()));
        var retry = await admin.PostAsJsonAsync($"/api/admin/reference-data/uploads/{id}/publish", new { effectiveDate = "2026-06-12" });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(2, (await retry.Body()).GetProperty("number").GetInt32());
        // An upload made against version 1 can no longer be published: its diff would lie.
        var conflict = await admin.PostAsJsonAsync($"/api/admin/reference-data/uploads/{stale.GetProperty("id").GetString()}/publish", new { effectiveDate = "2026-06-20" });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(2L, factory.Count("RefDataVersions"));
        var versions = (await (await admin.GetAsync("/api/admin/reference-data")).Body()).GetProperty("versions").EnumerateArray()
            .Select(v => (v.GetProperty("number").GetInt32(), v.GetProperty("state").GetString())).ToList();
        Assert.Equal(new[] { (2, "pending"), (1, "in-effect") }, versions);

        // Before the date: version 1 (可瑞达 listed, the new drug not).
        var policy = await JdPolicyAsync("refdata-member");
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-11T15:59:59Z")); // 23:59:59 on 11 June in Shanghai
        Assert.Equal(("Accepted", null, "1"), Decision(await ApplyAsync("refdata-member", policy, "可瑞达")));
        Assert.Equal(("Refused", "DRUG_NOT_LISTED", "1"), Decision(await ApplyAsync("refdata-member", policy, NewDrug)));

        // From 00:00 on the effective date (Shanghai), without a restart: version 2; the removed drug is refused.
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-11T16:00:00Z"));
        var removed = await ApplyAsync("refdata-member", policy, "可瑞达");
        Assert.Equal(("Refused", "DRUG_NOT_LISTED", "2"), Decision(removed));
        Assert.Equal(("Accepted", null, "2"), Decision(await ApplyAsync("refdata-member", policy, NewDrug)));
        // The member's estimate uses the same lists.
        var member = await factory.MemberAsync("refdata-member");
        var estimate = await member.PostAsJsonAsync("/api/me/reimbursement-estimate", new { policyNumber = policy, drug = "可瑞达", drugCost = 1000, onSocialInsuranceList = false,
            settledThroughSocialInsurance = false, socialInsurancePaid = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, estimate.StatusCode);

        // The staff case view shows which version the decision read.
        var specialist = await factory.ClientAs("Specialist");
        var caseView = await (await specialist.GetAsync($"/api/cases/{removed.GetProperty("id").GetString()}")).Body();
        Assert.Equal(("NotEligible", "2"), (caseView.GetProperty("eligibility").GetProperty("decision").GetString(),
            caseView.GetProperty("eligibility").GetProperty("referenceDataVersion").GetString()));

        // Replay reads the version a decision recorded; versions never change.
        var store = factory.Services.GetRequiredService<IReferenceDataVersions>();
        Assert.NotNull((await store.AtVersionAsync("1"))!.FindJdDrug("可瑞达"));
        Assert.Null((await store.AtVersionAsync("2"))!.FindJdDrug("可瑞达"));
        Assert.Null(await store.AtVersionAsync("3"));
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE RefDataVersions SET EffectiveDate = '2026-06-10' WHERE Number = 2";
        Assert.Contains("immutable", Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery()).Message);
        cmd.CommandText = "DELETE FROM RefDataVersionFiles WHERE Version = 1";
        Assert.Throws<SqliteException>(() => cmd.ExecuteNonQuery());
    }

    [Fact]
    public async Task Only_admins_manage_reference_data()
    {
        foreach (var role in new[] { "Analyst", "Specialist", "Auditor" })
        {
            var client = await factory.ClientAs(role);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/admin/reference-data")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/api/admin/reference-data/lists/jd-drugs/uploads", Csv("seq\n1\n"))).StatusCode);
        }
    }
}
