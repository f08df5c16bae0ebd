using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;

namespace Workflows.Web.Tests;

/// <summary>
/// The real host with a service catalogue an Admin might ship next: the first-contact SLA of the outpatient green
/// channel is 3 working days instead of 1, the JD drug consultation's call-back 4 instead of 2, and JD's prescription
/// review 20 instead of 15 (its workflow names 10 in the designer).
/// </summary>
public sealed class ChangedCatalogueFactory : ScenarioFactory
{
    public static ServiceCatalogue Changed()
    {
        using var source = typeof(ServiceCatalogue).Assembly.GetManifestResourceStream("Catalogue.service-catalogue.json")!;
        var services = JsonNode.Parse(source)!.AsArray();
        JsonObject Service(string code) => services.Select(s => s!.AsObject()).Single(s => s["code"]!.GetValue<string>() == code);
        Service("cpic-outpatient-green-channel")["firstContactSla"]!["amount"] = 3;
        Service("jd-drug-consultation")["firstContactSla"]!["amount"] = 4;
        Service("jd-reservation-purchase")["slas"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "prescription-review")!["amount"] = 20;
        return ServiceCatalogue.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(services.ToJsonString())));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton(Changed()));
    }
}

/// <summary>
/// Issue 11: the service catalogue is the one source of each service's SLAs and hours. A task whose designer input is
/// empty takes its deadline from the catalogue (change the catalogue, the due date follows); a value the analyst set
/// in the designer wins over the catalogue. Through the HTTP API on a real SQLite file.
/// </summary>
public sealed class CatalogueDefaultsTests(ChangedCatalogueFactory factory) : SchedulingScenario(factory), IClassFixture<ChangedCatalogueFactory>
{
    /// <summary>Monday 2026-06-08 10:00 Beijing time.</summary>
    private static readonly DateTimeOffset Monday10 = DateTimeOffset.Parse("2026-06-08T02:00:00Z");

    private BusinessCalendar Calendar => Factory.Services.GetRequiredService<BusinessCalendar>();

    private async Task<DateTimeOffset> DueAsync(HttpClient staff, string app) =>
        (await TaskOf(staff, app))!.Value.GetProperty("dueAt").GetDateTimeOffset();

    [Fact]
    public async Task The_specialist_call_is_due_by_the_catalogues_first_contact_SLA_in_the_catalogues_service_hours()
    {
        Factory.Clock.SetUtcNow(Monday10);
        var policy = await ImportCpicAsync("cat-outpatient");
        var member = await Factory.MemberAsync("cat-outpatient");
        var app = await ApplyAsync(member, "cpic-outpatient-green-channel", policy, new { hospital = "复旦大学附属肿瘤医院" });

        // The workflow's call names no deadline and no hours: 3 working days (the changed catalogue, not the shipped 1)
        // in hospital hours 08:00-20:00 (the catalogue's serviceHours for this service).
        var due = await DueAsync(await Factory.ClientAs("Specialist"), app);
        Assert.Equal(Calendar.DeadlineAfter(Monday10, 3, ServiceHours.HospitalDay), due);
        Assert.NotEqual(Calendar.DeadlineAfter(Monday10, 1, ServiceHours.HospitalDay), due);
        Assert.Equal("HospitalDay", (await TaskOf(await Factory.ClientAs("Specialist"), app))!.Value.GetProperty("hours").GetString());
    }

    private async Task<(HttpClient Member, string Jd)> JdMemberAsync(string user)
    {
        Factory.Clock.SetUtcNow(Monday10);
        var jd = "CJ-" + Guid.NewGuid().ToString("N")[..10];
        var r = await (await Factory.ClientAs("Admin")).PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[]
            {
                new { policyNumber = jd, product = "jd-malignant-tumour-drug", variant = "without-social-insurance", effectiveDate = "2026-01-01", endDate = "2026-12-31",
                      insured = new { name = "目录测试", idNumber = "110101198005010033", userName = user },
                      diagnoses = new[] { new { kind = "first-malignant-tumour", diagnosedOn = "2026-05-01" } } },
            },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await Factory.MemberAsync(user), jd);
    }

    [Fact]
    public async Task The_drug_consultation_call_back_follows_the_catalogue()
    {
        var (member, jd) = await JdMemberAsync("cat-consult");
        var app = await ApplyAsync(member, "jd-drug-consultation", jd);
        // No hours in the JD catalogue entry: office hours.
        Assert.Equal(Calendar.DeadlineAfter(Monday10, 4, ServiceHours.OfficeDay), await DueAsync(await Factory.ClientAs("Specialist"), app));
    }

    [Fact]
    public async Task A_deadline_set_in_the_designer_wins_over_the_catalogue()
    {
        var (member, jd) = await JdMemberAsync("cat-review");
        var app = await ApplyAsync(member, "jd-reservation-purchase", jd,
            new { drug = "可瑞达", city = "上海", prescriptionDays = 30, prescribedOn = "2026-06-01" });
        // The workflow's review says 10 working days (the handbook's 10-15, its stricter end); the catalogue now says 20.
        var specialist = await Factory.ClientAs("Specialist");
        Assert.Equal(Calendar.DeadlineAfter(Monday10, 10, ServiceHours.OfficeDay), await DueAsync(specialist, app));
    }
}
