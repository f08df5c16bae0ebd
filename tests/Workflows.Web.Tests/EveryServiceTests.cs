using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>Every service of both handbooks runs end to end: apply → eligibility → the people's tasks → a final state.</summary>
public sealed class EveryServiceTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    /// <summary>The "happy" answer to each task outcome set, with the data that outcome needs.</summary>
    private static (string Outcome, object Data) Answer(IReadOnlyList<string> outcomes) =>
        new[] { "Reached", "Authorised", "Approved", "Planned", "Booked", "Completed", "Delivered", "Answered", "Enrolled", "Handled", "Done",
                // the steps of the services that are not appointments
                "Complete", "Quoted", "Borrowed", "Received", "Issued", "Sent", "SampleTaken", "Started", "Discharged" }
            .Where(outcomes.Contains)
            .Select(o => (o, o switch
            {
                "Booked" => (object)new { appointmentAt = "2026-06-20T09:30:00+08:00" },
                // 特药: the authorisation's materials, a planned pharmacy with stock confirmed, a delivery with its tracking number.
                "Authorised" => new { applicationForm = true, contract = true, idDocument = true, diagnosisReport = true },
                "Planned" => new { mode = "delivery", pharmacyName = "上药云健康益药药房（上海店）", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = "上海",
                                   stockConfirmed = true, deliveryAddress = "上海市徐汇区测试路2号", drugCost = 1000 },
                "Delivered" => new { trackingNumber = "SF1234567890" },
                "Completed" => new { recipient = "insured", durationMinutes = 25 }, // a telephone session's facts; a visit ignores them
                "Quoted" => new { feeYuan = 1200, hospital = "北京大学肿瘤医院" },
                "Discharged" => new { dischargedOn = "2026-06-09" },
                _ => new { },
            }))
            .First();

    private async Task<(HttpClient Member, string Cpic, string Jd)> PoliciesAsync(string user)
    {
        var cpic = "E-CPIC-" + Guid.NewGuid().ToString("N")[..8];
        var jd = "E-JD-" + Guid.NewGuid().ToString("N")[..8];
        var admin = await factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[]
            {
                new { policyNumber = cpic, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
                      insured = new { name = "全流程", idNumber = "110101198005010033", userName = user },
                      diagnoses = new[] { new { kind = "metastasis", diagnosedOn = "2026-04-01" } } },
                new { policyNumber = jd, product = "jd-malignant-tumour-drug", variant = "without-social-insurance", effectiveDate = "2026-01-01", endDate = "2026-12-31",
                      insured = new { name = "全流程", idNumber = "110101198005010033", userName = user },
                      diagnoses = new[] { new { kind = "first-malignant-tumour", diagnosedOn = "2026-05-01" } } },
            },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await factory.MemberAsync(user), cpic, jd);
    }

    private static object DetailsFor(string service) => service switch
    {
        "cpic-outpatient-green-channel" or "cpic-inpatient-surgery-green-channel" => new { hospital = "复旦大学附属肿瘤医院" },
        "cpic-mdt-consultation" or "cpic-pathology-expert-consultation" => new { city = "北京" },
        "cpic-medical-escort" => new { city = "广州" },
        "cpic-special-drug-direct-pay" => new { drug = "赫赛汀", city = "上海", prescriptionDays = 28, prescribedOn = "2026-06-01" },
        "jd-reservation-purchase" => new { drug = "可瑞达", city = "上海", prescriptionDays = 30, prescribedOn = "2026-06-01" },
        "jd-green-channel" => new { hospital = "复旦大学附属肿瘤医院", acceptsReviewResult = true },
        _ => new { },
    };

    private async Task<JsonElement> RunToEndAsync(HttpClient member, string service, string policy, Func<IReadOnlyList<string>, (string, object)>? answer = null)
    {
        var apply = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = service, policyNumber = policy, details = DetailsFor(service) });
        Assert.True(apply.StatusCode == HttpStatusCode.Created, $"{service}: {await apply.Content.ReadAsStringAsync()}");
        var app = await apply.Body();
        Assert.True(app.GetProperty("status").GetString() == "Accepted", $"{service}: {app}");
        var id = app.GetProperty("id").GetString()!;
        string instanceId;
        using (var scope = factory.Services.CreateScope())
            instanceId = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == id).InstanceId;

        var staff = new Dictionary<string, HttpClient> { ["Specialist"] = await factory.ClientAs("Specialist"), ["CaseManager"] = await factory.ClientAs("CaseManager") };
        var admin = await factory.ClientAs("Admin");
        for (var step = 0; step < 12; step++)
        {
            var view = await (await member.GetAsync($"/api/me/applications/{id}")).Body();
            if (view.GetProperty("status").GetString() is "Completed" or "Refused" or "Cancelled" or "NoShow") return view;
            var task = (await Task.WhenAll(staff.Values.Select(async c => (await (await c.GetAsync("/api/tasks")).Body()).EnumerateArray().ToList())))
                .SelectMany(x => x).FirstOrDefault(t => t.GetProperty("instanceId").GetString() == instanceId);
            if (task.ValueKind == JsonValueKind.Undefined && view.GetProperty("status").GetString() == "AwaitingConfirmation")
            {
                // The pathology fee: the member confirms it in the portal.
                var confirmed = await member.SendAsync(Json.Post($"/api/me/applications/{id}/confirmation", new { confirmed = true }, Guid.NewGuid().ToString()));
                Assert.True(confirmed.StatusCode == HttpStatusCode.OK, $"{service} confirm: {await confirmed.Content.ReadAsStringAsync()}");
                continue;
            }
            if (task.ValueKind == JsonValueKind.Undefined && view.GetProperty("status").GetString() == "InProgress")
            {
                // A programme that runs until a date (rehab: discharge + 5 days): let its end come, then return to today.
                var today = factory.Clock.GetUtcNow();
                factory.Clock.SetUtcNow(today.AddDays(10));
                await factory.Services.GetRequiredService<Workflows.Engine.Runtime.WorkflowRuntime>().ResumeDueTimersAsync();
                factory.Clock.SetUtcNow(today);
                continue;
            }
            if (task.ValueKind == JsonValueKind.Undefined)
            {
                // Waiting on an event (COC): close the programme, as the case manager's system would.
                var closed = await admin.SendAsync(Json.Post("/api/events/CocClosed", new { correlationKey = id }));
                Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
                continue;
            }
            var outcomes = task.GetProperty("outcomes").EnumerateArray().Select(o => o.GetString()!).ToList();
            var (outcome, data) = (answer ?? Answer)(outcomes);
            var client = staff[task.GetProperty("role").GetString()!];
            var done = await client.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
            Assert.True(done.StatusCode == HttpStatusCode.OK, $"{service} {outcome}: {await done.Content.ReadAsStringAsync()}");
        }
        throw new Xunit.Sdk.XunitException($"{service} did not end in 12 steps");
    }

    [Fact]
    public async Task Every_catalogue_service_has_a_published_workflow_and_runs_to_completion()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var (member, cpic, jd) = await PoliciesAsync("every-service");
        var services = (await (await member.GetAsync("/api/services")).Body()).EnumerateArray().Select(s => s.GetProperty("code").GetString()!).ToList();
        Assert.Equal(15, services.Count);

        // JD's green channel needs a refused prescription first.
        var refusedPurchase = await RunToEndAsync(member, "jd-reservation-purchase", jd,
            outcomes => outcomes.Contains("Refused") ? ("Refused", new { reason = "处方超出一个月剂量" }) : Answer(outcomes));
        Assert.Equal("PRESCRIPTION_REFUSED", refusedPurchase.GetProperty("refusal").GetProperty("code").GetString());

        foreach (var service in services)
        {
            var final = await RunToEndAsync(member, service, service.StartsWith("jd-") ? jd : cpic);
            Assert.True(final.GetProperty("status").GetString() == "Completed", $"{service} ended {final}");
            Assert.True(final.GetProperty("timeline").GetArrayLength() >= 3, $"{service}: {final}");
        }

        Assert.Equal(0L, factory.Count("WorkflowInstances WHERE SubStatus = 'Faulted'"));

        // The member must accept the review's result (J 344-346).
        var notAccepted = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "jd-green-channel", policyNumber = jd, details = new { hospital = "复旦大学附属肿瘤医院" } })).Body();
        Assert.Equal("REVIEW_RESULT_NOT_ACCEPTED", notAccepted.GetProperty("refusal").GetProperty("code").GetString());

        // The green channel is offered once per policy year: a second one is refused.
        var second = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "jd-green-channel", policyNumber = jd, details = DetailsFor("jd-green-channel") })).Body();
        Assert.Equal("QUOTA_EXHAUSTED", second.GetProperty("refusal").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_JD_member_gets_the_payable_amount_for_their_variant()
    {
        var (member, cpic, jd) = await PoliciesAsync("jd-pay");
        var r = await (await member.PostAsJsonAsync("/api/me/reimbursement-estimate", new
        {
            policyNumber = jd, drugCost = 10000m, onSocialInsuranceList = true, settledThroughSocialInsurance = false, socialInsurancePaid = 0m,
        })).Body();
        Assert.Equal(10000m, r.GetProperty("payable").GetDecimal()); // this test's JD policy is 无社保版: 100%
        var notJd = await member.PostAsJsonAsync("/api/me/reimbursement-estimate", new { policyNumber = cpic, drugCost = 1m });
        Assert.Equal(HttpStatusCode.NotFound, notJd.StatusCode);
        var negative = await member.PostAsJsonAsync("/api/me/reimbursement-estimate", new { policyNumber = jd, drugCost = -5m });
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
    }

    [Fact]
    public async Task A_JD_purchase_with_a_prescription_over_one_month_or_an_unlisted_drug_is_refused()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var (member, _, jd) = await PoliciesAsync("jd-rules");
        async Task<string?> Code(object details) =>
            (await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "jd-reservation-purchase", policyNumber = jd, details })).Body())
            .GetProperty("refusal") is { ValueKind: JsonValueKind.Object } r ? r.GetProperty("code").GetString() : null;
        Assert.Equal("PRESCRIPTION_TOO_LONG", await Code(new { drug = "可瑞达", city = "上海", prescriptionDays = 60, prescribedOn = "2026-06-01" }));
        Assert.Equal("DRUG_NOT_LISTED", await Code(new { drug = "阿司匹林", city = "上海", prescriptionDays = 30, prescribedOn = "2026-06-01" }));
        Assert.Equal("GREEN_CHANNEL_NEEDS_REFUSED_PRESCRIPTION",
            (await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "jd-green-channel", policyNumber = jd, details = new { hospital = "复旦大学附属肿瘤医院" } })).Body())
            .GetProperty("refusal").GetProperty("code").GetString());
        // The 30-day continuation: a prescription issued in force may be filled up to 30 days after the end date, not later.
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2027-01-20T02:00:00Z"));
        member = await factory.MemberAsync("jd-rules");
        // ... for a course already under way only (DrugServiceTests shows the accepted case).
        Assert.Equal("CONTINUATION_NEEDS_COURSE_UNDER_WAY", await Code(new { drug = "可瑞达", city = "上海", prescriptionDays = 30, prescribedOn = "2026-12-28" }));
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2027-02-05T02:00:00Z"));
        member = await factory.MemberAsync("jd-rules");
        Assert.Equal("POLICY_NOT_IN_FORCE", await Code(new { drug = "可瑞达", city = "上海", prescriptionDays = 30, prescribedOn = "2026-12-28" }));
        Assert.Equal(0L, factory.Count("WorkflowInstances WHERE SubStatus = 'Faulted'")); // deadlines in 2027 are computable before its calendar is published
    }
}
