using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>Policy amendments through the feed and the console: new versions, the earlier kept; a termination takes effect on the services.</summary>
public sealed class PolicyAmendmentTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    private const string Header = "policy_number,product,variant,effective_date,end_date,previous_policy_number,specialty_drug_cover,insured_name,insured_id_number," +
                                  "insured_phone,insured_birth_date,insured_user,guardian_name,guardian_id_number,guardian_phone,guardian_relation,guardian_user," +
                                  "diagnosis_kind,diagnosed_on,diagnosis_detail,terminated_on,termination_reason";

    private static string Row(string number, string user, string end = "2026-12-31", string terminatedOn = "", string reason = "", string diagnosis = "recurrence,2026-03-05,乳腺癌复发") =>
        $"{number},cpic-breast-cancer-recurrence,,2026-01-01,{end},,true,测试被保人,110101198005010011,13900000001,1980-05-01,{user},,,,,,{diagnosis},{terminatedOn},{reason}";

    private async Task<HttpResponseMessage> ImportCsv(params string[] rows)
    {
        var admin = await factory.ClientAs("Admin");
        return await admin.PostAsync("/api/policies/import", new StringContent(Header + "\n" + string.Join("\n", rows), Encoding.UTF8, "text/csv"));
    }

    private async Task<JsonElement> TaskFor(HttpClient staff, string applicationId)
    {
        string instanceId;
        using (var scope = factory.Services.CreateScope())
            instanceId = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == applicationId).InstanceId;
        var tasks = await (await staff.GetAsync("/api/tasks")).Body();
        return tasks.EnumerateArray().SingleOrDefault(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    private static string Number() => "A-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_termination_closes_open_applications_and_their_tasks_refuses_new_ones_and_keeps_the_earlier_version()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = Number();
        Assert.Equal(HttpStatusCode.OK, (await ImportCsv(Row(number, "term-member"))).StatusCode);
        var member = await factory.MemberAsync("term-member");
        var specialist = await factory.ClientAs("Specialist");
        var applied = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = number, details = new { city = "上海" } })).Body();
        var appId = applied.GetProperty("id").GetString()!;
        Assert.NotEqual(JsonValueKind.Undefined, (await TaskFor(specialist, appId)).ValueKind);

        // The same row again changes nothing: 409, as before.
        var same = await ImportCsv(Row(number, "term-member"));
        Assert.Equal(HttpStatusCode.Conflict, same.StatusCode);
        Assert.Contains("already imported", await same.Content.ReadAsStringAsync());

        var admin = await factory.ClientAs("Admin");
        var noReason = await admin.PostAsJsonAsync($"/api/policies/{number}/amendments", new { terminatedOn = "2026-06-01" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("terminationReason", await noReason.Content.ReadAsStringAsync());
        var outside = await admin.PostAsJsonAsync($"/api/policies/{number}/amendments", new { terminatedOn = "2027-02-01", terminationReason = "退保" });
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);

        var terminated = await admin.PostAsJsonAsync($"/api/policies/{number}/amendments", new { terminatedOn = "2026-06-01", terminationReason = "投保人申请退保" });
        Assert.True(terminated.StatusCode == HttpStatusCode.OK, await terminated.Content.ReadAsStringAsync());
        var result = await terminated.Body();
        Assert.Equal(2, result.GetProperty("version").GetInt32());
        Assert.Equal(1, result.GetProperty("applicationsClosed").GetInt32());

        // The open task is gone from the task list; the member sees why.
        Assert.Equal(JsonValueKind.Undefined, (await TaskFor(specialist, appId)).ValueKind);
        var app = await (await member.GetAsync($"/api/me/applications/{appId}")).Body();
        Assert.Equal("Cancelled", app.GetProperty("status").GetString());
        Assert.Contains("投保人申请退保", app.GetRawText());

        // No new applications after the last day.
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-02T02:00:00Z"));
        member = await factory.MemberAsync("term-member"); // a fresh token for the new day
        admin = await factory.ClientAs("Admin");
        var lateResponse = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = number, details = new { city = "上海" } });
        var lateText = await lateResponse.Content.ReadAsStringAsync();
        Assert.True(lateResponse.StatusCode == HttpStatusCode.Created && (await lateResponse.Body()).GetProperty("status").GetString() == "Refused", lateText);

        // Versions: the earlier one kept with what changed.
        var versions = (await (await admin.GetAsync($"/api/policies/{number}/versions")).Body()).EnumerateArray().ToList();
        Assert.Equal(2, versions.Count);
        Assert.Equal("2026-12-31", versions[0].GetProperty("endDate").GetString());
        Assert.Contains("提前终止", versions[0].GetProperty("changedToNext").GetString());
        Assert.Equal("2026-06-01", versions[1].GetProperty("endDate").GetString());
        Assert.True(versions[1].GetProperty("current").GetBoolean());

        // A terminated policy is not amended again.
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync($"/api/policies/{number}/amendments", new { endDate = "2026-11-30" })).StatusCode);
    }

    [Fact]
    public async Task The_feed_amends_end_date_and_diagnoses_as_new_versions_and_bookings_after_the_end_are_refused()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-05T02:00:00Z"));
        var number = Number();
        Assert.Equal(HttpStatusCode.OK, (await ImportCsv(Row(number, "feed-member"))).StatusCode);
        var member = await factory.MemberAsync("feed-member");
        var applied = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = number, details = new { city = "上海" } })).Body();
        var appId = applied.GetProperty("id").GetString()!;

        // Preview: one new policy, one amendment with its changes, one bad row — and nothing stored.
        var admin = await factory.ClientAs("Admin");
        var other = Number();
        var csv = Header + "\n" + Row(number, "feed-member", end: "2026-07-31") + "\n" + Row(number, "feed-member", end: "2026-07-31", diagnosis: "metastasis,2026-05-20,骨转移") +
                  "\n" + Row(other, "feed-member") + "\n" + Row("BAD-" + other, "feed-member", end: "2026-13-01");
        var preview = (await (await admin.PostAsync("/api/policies/import/preview", new StringContent(csv, Encoding.UTF8, "text/csv"))).Body()).EnumerateArray().ToList();
        Assert.Equal(["amend", "new", "error"], preview.Select(r => r.GetProperty("action").GetString()));
        Assert.Contains("终止日期 2026-12-31 → 2026-07-31", preview[0].GetProperty("change").GetString());
        Assert.Contains("新增诊断 metastasis", preview[0].GetProperty("change").GetString());
        Assert.Contains("not a date", preview[2].GetProperty("errors")[0].GetProperty("message").GetString());
        var refused = await admin.PostAsync("/api/policies/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(1, (await (await admin.GetAsync($"/api/policies/{number}/versions")).Body()).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/policies/{other}")).StatusCode);

        var fixedCsv = string.Join("\n", csv.Split('\n').SkipLast(1));
        var imported = await admin.PostAsync("/api/policies/import", new StringContent(fixedCsv, Encoding.UTF8, "text/csv"));
        Assert.True(imported.StatusCode == HttpStatusCode.OK, await imported.Content.ReadAsStringAsync());
        var body = await imported.Body();
        Assert.Equal(1, body.GetProperty("imported").GetInt32());
        Assert.Equal(2, body.GetProperty("amended")[0].GetProperty("version").GetInt32());
        var policy = await (await admin.GetAsync($"/api/policies/{number}")).Body();
        Assert.Equal("2026-07-31", policy.GetProperty("endDate").GetString());
        Assert.Equal(2, policy.GetProperty("diagnoses").GetArrayLength());

        // The open application goes on, but cannot be booked after the new end.
        var specialist = await factory.ClientAs("Specialist");
        var call = await TaskFor(specialist, appId);
        Assert.Equal(HttpStatusCode.OK, (await specialist.SendAsync(Json.Post($"/api/tasks/{call.GetProperty("id").GetString()}/complete", new { outcome = "Reached" }, "c-" + appId))).StatusCode);
        var booking = await TaskFor(specialist, appId);
        var url = $"/api/tasks/{booking.GetProperty("id").GetString()}/complete";
        var after = await specialist.SendAsync(Json.Post(url, new { outcome = "Booked", data = new { appointmentAt = "2026-08-04T09:30:00+08:00" } }, "b1-" + appId));
        Assert.Equal(HttpStatusCode.BadRequest, after.StatusCode);
        Assert.Contains("2026-07-31", await after.Content.ReadAsStringAsync());
        var within = await specialist.SendAsync(Json.Post(url, new { outcome = "Booked", data = new { appointmentAt = "2026-07-20T09:30:00+08:00" } }, "b2-" + appId));
        Assert.True(within.StatusCode == HttpStatusCode.OK, await within.Content.ReadAsStringAsync());
    }
}
