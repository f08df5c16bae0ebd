using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;

namespace Workflows.Web.Tests;

/// <summary>
/// The specialty-drug services (CPIC 特药垫付, JD 预约购药) after eligibility, through the HTTP API on a real SQLite file:
/// authorisation, review, pharmacy planning, the voucher, the pharmacy counter's verification, delivery, expiry.
/// Rules and handbook lines: docs/domain-rules.md, "Specialty drugs: pickup, delivery, authorisation".
/// </summary>
public sealed class DrugServiceTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    private const string InsuredId = "110101198005010033";

    private async Task<string> ImportAsync(string user, string product, string effective = "2026-01-01", string end = "2026-12-31", string? variant = null,
        string diagnosedOn = "2026-04-01", object? guardian = null, decimal? sumInsured = null)
    {
        var number = "D-" + Guid.NewGuid().ToString("N")[..10];
        var admin = await factory.ClientAs("Admin");
        var cpic = product == "cpic";
        var r = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[]
            {
                new
                {
                    policyNumber = number, product = cpic ? "cpic-breast-cancer-recurrence" : "jd-malignant-tumour-drug",
                    variant = cpic ? null : variant ?? "without-social-insurance", effectiveDate = effective, endDate = end, specialtyDrugCover = cpic,
                    specialtyDrugSumInsured = sumInsured,
                    insured = new { name = "李药师", idNumber = InsuredId, userName = guardian is null ? user : null },
                    guardian,
                    diagnoses = new[] { new { kind = cpic ? "metastasis" : "first-malignant-tumour", diagnosedOn } },
                },
            },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return number;
    }

    private static async Task<JsonElement> ApplyAsync(HttpClient member, string service, string policy, object details)
    {
        var r = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = service, policyNumber = policy, details });
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        return await r.Body();
    }

    private static string? Code(JsonElement app) => app.GetProperty("refusal").ValueKind == JsonValueKind.Null ? null : app.GetProperty("refusal").GetProperty("code").GetString();

    private string InstanceOf(string applicationId)
    {
        using var scope = factory.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == applicationId).InstanceId;
    }

    /// <summary>The open task of the case at the given activity, as its role sees it in its inbox (default: none open).</summary>
    private async Task<JsonElement?> TaskAsync(string applicationId, string activityId, string role)
    {
        var instance = InstanceOf(applicationId);
        var staff = await factory.ClientAs(role);
        var tasks = (await (await staff.GetAsync("/api/tasks")).Body()).EnumerateArray()
            .Where(t => t.GetProperty("instanceId").GetString() == instance && t.GetProperty("activityId").GetString() == activityId).ToList();
        return tasks.Count == 0 ? null : tasks[0];
    }

    private async Task<HttpResponseMessage> CompleteAsync(string applicationId, string activityId, string role, string outcome, object data)
    {
        var task = await TaskAsync(applicationId, activityId, role) ?? throw new Xunit.Sdk.XunitException($"no open {activityId} task for {applicationId}");
        var staff = await factory.ClientAs(role);
        return await staff.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
    }

    private async Task CompleteOkAsync(string applicationId, string activityId, string role, string outcome, object data)
    {
        var r = await CompleteAsync(applicationId, activityId, role, outcome, data);
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{activityId} {outcome}: {await r.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> ViewAsync(HttpClient member, string id) => await (await member.GetAsync($"/api/me/applications/{id}")).Body();

    private static string Timeline(JsonElement view) =>
        string.Join("\n", view.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("messageZh").GetString()));

    private static readonly object Materials = new { applicationForm = true, contract = true, idDocument = true, diagnosisReport = true };

    private static object Pickup(string city = "上海", string name = "上药云健康益药药房（上海店）", string address = "上海市黄浦区测试路1号", decimal? drugCost = 12000m) =>
        new { mode = "pickup", pharmacyName = name, pharmacyAddress = address, pharmacyCity = city, stockConfirmed = true, drugCost };

    private static object Delivery(string city = "上海") =>
        new { mode = "delivery", pharmacyName = "上药云健康益药药房（上海店）", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = city, stockConfirmed = true,
              deliveryAddress = "西藏自治区拉萨市城关区测试路9号", drugCost = 5000m };

    private static async Task<HttpResponseMessage> VerifyAsync(HttpClient pharmacy, string? code, string? id, bool seen = true, string? key = null) =>
        await pharmacy.SendAsync(Json.Post("/api/pharmacy/pickups", new { pickupCode = code, idNumber = id, prescriptionOriginalSeen = seen }, key ?? Guid.NewGuid().ToString()));

    private static string Detail(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString()!;

    private static string PickupCode(JsonElement view) => Regex.Match(Timeline(view), @"取药码 (\d{8})").Groups[1].Value;

    [Fact]
    public async Task CPIC_first_purchase_is_authorised_with_its_materials_the_code_follows_the_planned_pharmacy_and_the_pharmacy_verifies_it_once()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z")); // Wednesday 10:00 in Shanghai
        var policy = await ImportAsync("drug-cpic", "cpic");
        var member = await factory.MemberAsync("drug-cpic");
        var app = await ApplyAsync(member, "cpic-special-drug-direct-pay", policy, new { drug = "赫赛汀", city = "上海" });
        var id = app.GetProperty("id").GetString()!;
        Assert.Equal("Accepted", app.GetProperty("status").GetString());

        // The member is told what the authorisation needs and by when (3 working days: by the end of Monday 15 June).
        var asked = Timeline(await ViewAsync(member, id));
        Assert.Contains("恶性肿瘤药品授权申请书", asked);
        Assert.True(asked.Contains("2026-06-15 18:00 前完成审核"), asked);
        var authorise = (await TaskAsync(id, "authorise", "CaseManager"))!.Value;
        Assert.Equal(DateTimeOffset.Parse("2026-06-15T10:00:00Z"), authorise.GetProperty("dueAt").GetDateTimeOffset());

        // A first purchase cannot skip the authorisation, nor be authorised without its materials.
        var skip = await CompleteAsync(id, "authorise", "CaseManager", "AlreadyAuthorised", new { });
        var skipText = await skip.Content.ReadAsStringAsync();
        Assert.True(skip.StatusCode == HttpStatusCode.BadRequest && skipText.Contains("首次用药须经本公司授权"), skipText);
        var incomplete = await CompleteAsync(id, "authorise", "CaseManager", "Authorised", new { applicationForm = true, contract = true, idDocument = true });
        Assert.Equal(HttpStatusCode.BadRequest, incomplete.StatusCode);
        Assert.Contains("病史资料及疾病诊断报告书", await incomplete.Content.ReadAsStringAsync());
        await CompleteOkAsync(id, "authorise", "CaseManager", "Authorised", Materials);
        await CompleteOkAsync(id, "review", "Specialist", "Approved", new { });

        // Approved, but no code yet: the pharmacy is planned and its stock confirmed first.
        var approved = await ViewAsync(member, id);
        Assert.DoesNotContain("取药码", Timeline(approved));
        var unconfirmed = await CompleteAsync(id, "plan", "Specialist", "Planned",
            new { mode = "pickup", pharmacyName = "益药药房", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = "上海", stockConfirmed = false, drugCost = 100 });
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        var notDesignated = await CompleteAsync(id, "plan", "Specialist", "Planned", Pickup(city: "拉萨"));
        Assert.Equal(HttpStatusCode.BadRequest, notDesignated.StatusCode);
        var notDesignatedText = await notDesignated.Content.ReadAsStringAsync();
        Assert.True(notDesignatedText.Contains("pharmacyCity") && notDesignatedText.Contains("拉萨"), notDesignatedText);
        await CompleteOkAsync(id, "plan", "Specialist", "Planned", Pickup());

        var issued = await ViewAsync(member, id);
        var timeline = Timeline(issued);
        Assert.Equal("Booked", issued.GetProperty("status").GetString());
        Assert.Contains("上药云健康益药药房（上海店）", timeline);
        Assert.Contains("上海市黄浦区测试路1号", timeline);
        Assert.Contains("本公司按约定比例（100%）垫付 12000 元", timeline); // direct billing: what CPIC advances and what the member pays
        Assert.Contains("您需自付 0", timeline);
        Assert.Contains("有效期至 2026-12-31", timeline);
        var code = PickupCode(issued);
        Assert.Matches(@"^\d{8}$", code);

        // "PickedUp" with no verification is refused: only the pharmacy's counter records a pickup.
        var bare = await CompleteAsync(id, "fulfil", "Specialist", "PickedUp", new { });
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Contains("取药核验", await bare.Content.ReadAsStringAsync());
        var specialist = await factory.ClientAs("Specialist");
        Assert.Equal(HttpStatusCode.Forbidden, (await VerifyAsync(specialist, code, InsuredId)).StatusCode);

        var pharmacy = await factory.ClientAs("Pharmacy");
        Assert.Equal(HttpStatusCode.Forbidden, (await pharmacy.GetAsync("/api/tasks")).StatusCode); // least privilege: the counter sees no cases
        var noKey = await pharmacy.PostAsJsonAsync("/api/pharmacy/pickups", new { pickupCode = code, idNumber = InsuredId, prescriptionOriginalSeen = true });
        Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
        var notSeen = await VerifyAsync(pharmacy, code, InsuredId, seen: false);
        Assert.Equal(HttpStatusCode.BadRequest, notSeen.StatusCode);
        Assert.Contains("prescriptionOriginalSeen", await notSeen.Content.ReadAsStringAsync());
        var badCode = await VerifyAsync(pharmacy, "12ab", InsuredId);
        Assert.Contains("取药码为 8 位数字", await badCode.Content.ReadAsStringAsync());

        // A wrong ID is refused with the same words as an unknown code, revealing nothing about the member.
        var wrongId = await VerifyAsync(pharmacy, code, "110101199001010099");
        Assert.Equal(HttpStatusCode.BadRequest, wrongId.StatusCode);
        var wrongIdText = Detail(await wrongId.Content.ReadAsStringAsync());
        var unknownText = Detail(await (await VerifyAsync(pharmacy, code == "12345678" ? "87654321" : "12345678", InsuredId)).Content.ReadAsStringAsync());
        Assert.Equal(wrongIdText, unknownText);
        Assert.DoesNotContain("李", wrongIdText);
        Assert.DoesNotContain("赫赛汀", wrongIdText);
        Assert.Equal("Booked", (await ViewAsync(member, id)).GetProperty("status").GetString());

        var ok = await VerifyAsync(pharmacy, code, InsuredId.ToLowerInvariant());
        Assert.True(ok.StatusCode == HttpStatusCode.OK, await ok.Content.ReadAsStringAsync());
        var dispensed = await ok.Body();
        Assert.Equal("赫赛汀", dispensed.GetProperty("drug").GetString());
        Assert.Equal("李**", dispensed.GetProperty("insuredName").GetString());
        Assert.Equal("上药云健康益药药房（上海店）", dispensed.GetProperty("pharmacy").GetString());
        var done = await ViewAsync(member, id);
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Contains("您已在药店取药", Timeline(done));

        // Once: the same code again is refused.
        var again = await VerifyAsync(pharmacy, code, InsuredId);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal(wrongIdText, Detail(await again.Content.ReadAsStringAsync()));

        // The policy's next purchase needs no authorisation (二次及以后的用药无需再次进行授权申请): straight to the review.
        var second = await ApplyAsync(member, "cpic-special-drug-direct-pay", policy, new { drug = "赫赛汀", city = "上海" });
        var secondId = second.GetProperty("id").GetString()!;
        Assert.Null(await TaskAsync(secondId, "authorise", "CaseManager"));
        Assert.NotNull(await TaskAsync(secondId, "review", "Specialist"));
        Assert.Contains("本次无需再次授权", Timeline(await ViewAsync(member, secondId)));
        Assert.Equal(0L, factory.Count("WorkflowInstances WHERE SubStatus = 'Faulted'"));
    }

    [Fact]
    public async Task A_member_in_a_city_without_a_designated_pharmacy_gets_delivery_from_another_city_due_in_5_working_days()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z")); // Wednesday
        var policy = await ImportAsync("drug-lhasa", "jd");
        var member = await factory.MemberAsync("drug-lhasa");
        var app = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "拉萨", prescriptionDays = 28, prescribedOn = "2026-06-08" });
        Assert.Null(Code(app)); // no CITY_NOT_COVERED
        var id = app.GetProperty("id").GetString()!;
        await CompleteOkAsync(id, "review", "Specialist", "Approved", new { });
        var noAddress = await CompleteAsync(id, "plan", "Specialist", "Planned",
            new { mode = "delivery", pharmacyName = "益药药房", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = "上海", stockConfirmed = true });
        Assert.Equal(HttpStatusCode.BadRequest, noAddress.StatusCode);
        Assert.Contains("配送地址", await noAddress.Content.ReadAsStringAsync());
        await CompleteOkAsync(id, "plan", "Specialist", "Planned", Delivery());

        var view = await ViewAsync(member, id);
        Assert.Contains("异地送药上门（2-5个工作日送达）", Timeline(view));
        Assert.Contains("送药上门", Timeline(view));
        // The 5-day branch: due the fifth working day after Wednesday 10 June = Wednesday 17 June, in office hours.
        var fulfil = (await TaskAsync(id, "fulfil", "Specialist"))!.Value;
        var due = TimeZoneInfo.ConvertTime(fulfil.GetProperty("dueAt").GetDateTimeOffset(), Workflows.Domain.Calendar.BusinessCalendar.Shanghai);
        Assert.Equal(new DateTime(2026, 6, 17), due.Date);
        // The delivery address is kept encrypted, not in the journal in clear.
        Assert.Equal(0L, factory.Count("JournalEntries WHERE PayloadJson LIKE '%城关区测试路9号%'"));

        // A delivery is not a pickup: the counter cannot record it, the courier's tracking number completes it.
        var pharmacy = await factory.ClientAs("Pharmacy");
        var counter = await VerifyAsync(pharmacy, PickupCode(view), InsuredId);
        Assert.Equal(HttpStatusCode.BadRequest, counter.StatusCode);
        Assert.Contains("送药上门", await counter.Content.ReadAsStringAsync());
        await CompleteOkAsync(id, "fulfil", "Specialist", "Delivered", new { trackingNumber = "SF1234567890" });
        Assert.Equal("Completed", (await ViewAsync(member, id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task JD_with_social_insurance_picks_up_in_store_where_the_city_has_a_pharmacy()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var policy = await ImportAsync("drug-si", "jd", variant: "with-social-insurance");
        var member = await factory.MemberAsync("drug-si");
        var app = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-06-08" });
        var id = app.GetProperty("id").GetString()!;
        await CompleteOkAsync(id, "review", "Specialist", "Approved", new { });
        var delivery = await CompleteAsync(id, "plan", "Specialist", "Planned", Delivery());
        Assert.Equal(HttpStatusCode.BadRequest, delivery.StatusCode);
        Assert.Contains("有社保版须持医保卡到店自取", await delivery.Content.ReadAsStringAsync());
        await CompleteOkAsync(id, "plan", "Specialist", "Planned", Pickup(drugCost: null));
        Assert.Equal(JsonValueKind.Null, (await TaskAsync(id, "fulfil", "Specialist"))!.Value.GetProperty("dueAt").ValueKind); // a pickup has no delivery deadline

        // 有社保版 in a city without a designated pharmacy: delivery is allowed.
        var lhasa = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "拉萨", prescriptionDays = 28, prescribedOn = "2026-06-08" });
        var lhasaId = lhasa.GetProperty("id").GetString()!;
        await CompleteOkAsync(lhasaId, "review", "Specialist", "Approved", new { });
        await CompleteOkAsync(lhasaId, "plan", "Specialist", "Planned", Delivery());
    }

    [Fact]
    public async Task JD_prescription_facts_are_required_and_a_future_prescription_or_a_diagnosis_after_the_policy_end_is_refused()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var policy = await ImportAsync("drug-facts", "jd");
        var member = await factory.MemberAsync("drug-facts");
        var missing = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海" });
        Assert.Equal("PRESCRIPTION_DETAILS_REQUIRED", Code(missing));
        Assert.Contains("处方开具日期、处方用药天数", missing.GetProperty("refusal").GetProperty("messageZh").GetString());
        var future = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-06-11" });
        Assert.Equal("PRESCRIPTION_IN_FUTURE", Code(future));
        Assert.Null(Code(await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-06-10" })));

        // First diagnosed after the insurance period ended (within the 30 days after it): not covered.
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2027-01-12T02:00:00Z"));
        var late = await ImportAsync("drug-late", "jd", diagnosedOn: "2027-01-05");
        var lateMember = await factory.MemberAsync("drug-late");
        var after = await ApplyAsync(lateMember, "jd-reservation-purchase", late, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-12-30" });
        Assert.Equal("DIAGNOSIS_AFTER_POLICY_END", Code(after));
    }

    [Fact]
    public async Task JD_continuation_serves_only_a_course_under_way_and_its_voucher_lapses_unused_after_day_30()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-12-16T02:00:00Z"));
        var policy = await ImportAsync("drug-cont", "jd", diagnosedOn: "2026-05-01");
        var member = await factory.MemberAsync("drug-cont");
        var first = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-12-15" });
        var firstId = first.GetProperty("id").GetString()!;
        await CompleteOkAsync(firstId, "review", "Specialist", "Approved", new { });
        await CompleteOkAsync(firstId, "plan", "Specialist", "Planned", Delivery());
        Assert.Contains("有效期至 2026-12-31", Timeline(await ViewAsync(member, firstId))); // the policy period
        await CompleteOkAsync(firstId, "fulfil", "Specialist", "Delivered", new { trackingNumber = "JD0001" });

        // After the end date: another drug is not a course under way; the same drug is, for 30 days.
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2027-01-10T02:00:00Z"));
        member = await factory.MemberAsync("drug-cont");
        var other = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "泰瑞沙", city = "上海", prescriptionDays = 28, prescribedOn = "2026-12-28" });
        Assert.Equal("CONTINUATION_NEEDS_COURSE_UNDER_WAY", Code(other));
        var cont = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-12-28" });
        Assert.Null(Code(cont));
        var contId = cont.GetProperty("id").GetString()!;
        await CompleteOkAsync(contId, "review", "Specialist", "Approved", new { });
        await CompleteOkAsync(contId, "plan", "Specialist", "Planned", Pickup(drugCost: null));
        var issued = await ViewAsync(member, contId);
        Assert.Contains("有效期至 2027-01-30", Timeline(issued)); // never serving after day 30
        var code = PickupCode(issued);

        // The expiry timer: at the end of 30 January (Shanghai) the unused voucher counts as waived.
        var instance = InstanceOf(contId);
        string timerId;
        using (var scope = factory.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IWorkflowStore>();
            var loaded = (await store.LoadInstanceAsync(instance))!;
            var timer = loaded.Bookmarks.Single(b => b.Kind == BookmarkKinds.Timer);
            Assert.Equal(DateTimeOffset.Parse("2027-01-30T16:00:00Z"), timer.ResumeAt);
            Assert.Equal(1L, factory.Count($"ScheduledWork WHERE Key = '{Workflows.Scheduling.ScheduleOnCommit.TimerKey(timer.Id)}'")); // the scheduler holds it
            timerId = timer.Id;
        }
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2027-01-30T16:00:01Z"));
        var runtime = factory.Services.GetRequiredService<WorkflowRuntime>();
        await runtime.ResumeAsync(timerId, new ResumeInput(), Actor.System, Workflows.Scheduling.ScheduleOnCommit.TimerKey(timerId)); // as the scheduler's ResumeTimer does
        member = await factory.MemberAsync("drug-cont");
        var lapsed = await ViewAsync(member, contId);
        Assert.Equal("Cancelled", lapsed.GetProperty("status").GetString());
        Assert.Contains("视为放弃", Timeline(lapsed));
        Assert.Null(await TaskAsync(contId, "fulfil", "Specialist"));
        var pharmacy = await factory.ClientAs("Pharmacy");
        Assert.Equal(HttpStatusCode.BadRequest, (await VerifyAsync(pharmacy, code, InsuredId)).StatusCode);

        // Day 31: nothing is served any more.
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2027-01-31T02:00:00Z"));
        member = await factory.MemberAsync("drug-cont");
        var day31 = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-12-28" });
        Assert.Equal("POLICY_NOT_IN_FORCE", Code(day31));
    }

    [Fact]
    public async Task After_a_refused_prescription_review_the_JD_member_is_told_the_green_channel_is_offered()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var policy = await ImportAsync("drug-refused", "jd");
        var member = await factory.MemberAsync("drug-refused");
        var app = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-06-08" });
        var id = app.GetProperty("id").GetString()!;
        await CompleteOkAsync(id, "review", "Specialist", "Refused", new { reason = "与说明书适应症不一致" });
        var view = await ViewAsync(member, id);
        Assert.Equal("PRESCRIPTION_REFUSED", Code(view));
        var message = view.GetProperty("refusal").GetProperty("messageZh").GetString()!;
        Assert.Contains("与说明书适应症不一致", message);
        Assert.Contains("现可申请门诊绿色通道服务", message);
        // ... and it is: the green channel is accepted now.
        var green = await ApplyAsync(member, "jd-green-channel", policy, new { hospital = "复旦大学附属肿瘤医院", acceptsReviewResult = true });
        Assert.Null(Code(green));
    }

    [Fact]
    public async Task A_CPIC_agent_may_file_the_specialty_drug_benefit_application_with_a_power_of_attorney_and_nothing_else()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var policy = await ImportAsync("drug-principal", "cpic",
            guardian: new { name = "代理人", idNumber = "110101197001010022", phone = "13900000002", relation = "agent", userName = "drug-agent" });
        var agent = await factory.MemberAsync("drug-agent");
        var attorney = new[] { new { kind = "power-of-attorney", fileName = "委托书.pdf", contentType = "application/pdf", sizeBytes = 1000 } };
        var withProof = await ApplyAsync(agent, "cpic-special-drug-direct-pay", policy, new { drug = "赫赛汀", city = "上海", attachments = attorney });
        Assert.Equal(("Accepted", (string?)null), (withProof.GetProperty("status").GetString(), Code(withProof)));
        Assert.Equal("PROOF_REQUIRED", Code(await ApplyAsync(agent, "cpic-special-drug-direct-pay", policy, new { drug = "赫赛汀", city = "上海" })));
        Assert.Equal("APPLICANT_NOT_ENTITLED", Code(await ApplyAsync(agent, "cpic-outpatient-green-channel", policy,
            new { hospital = "复旦大学附属肿瘤医院", attachments = attorney })));
    }
    private async Task<HttpClient> PharmacyUserAsync(string userName)
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new("Bearer", await BackOfficeFactory.TokenFor(client, userName));
        return client;
    }

    [Fact]
    public async Task A_pharmacy_user_verifies_only_codes_planned_for_their_own_pharmacy_set_in_the_admin_console()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var policy = await ImportAsync("drug-lp", "cpic");
        var member = await factory.MemberAsync("drug-lp");
        var id = (await ApplyAsync(member, "cpic-special-drug-direct-pay", policy, new { drug = "赫赛汀", city = "上海" })).GetProperty("id").GetString()!;
        await CompleteOkAsync(id, "authorise", "CaseManager", "Authorised", Materials);
        await CompleteOkAsync(id, "review", "Specialist", "Approved", new { });
        await CompleteOkAsync(id, "plan", "Specialist", "Planned", Pickup());
        var code = PickupCode(await ViewAsync(member, id));

        // The console refuses a Pharmacy user without their pharmacy, naming the field.
        var admin = await factory.ClientAs("Admin");
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var noPharmacy = await admin.PostAsJsonAsync("/api/admin/users", new { userName = $"ph-none-{suffix}", displayName = "药店", roles = new[] { "Pharmacy" }, password = BackOfficeFactory.Password });
        var noPharmacyText = await noPharmacy.Content.ReadAsStringAsync();
        Assert.True(noPharmacy.StatusCode == HttpStatusCode.BadRequest && noPharmacyText.Contains("pharmacy.name") && noPharmacyText.Contains("所属药店"), noPharmacyText);

        var other = $"ph-bj-{suffix}";
        var created = await admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = other, displayName = "北京药店", roles = new[] { "Pharmacy" }, password = BackOfficeFactory.Password,
            pharmacy = new { name = "国大药房（北京店）", city = "北京" },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var here = $"ph-sh-{suffix}";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/admin/users", new
        {
            userName = here, displayName = "上海药店", roles = new[] { "Pharmacy" }, password = BackOfficeFactory.Password,
            pharmacy = new { name = "国大药房（北京店）", city = "北京" },
        })).StatusCode);

        // Another pharmacy's user gets the same answer as for an unknown code, and nothing is dispensed.
        var bj = await PharmacyUserAsync(other);
        var refused = await VerifyAsync(bj, code, InsuredId);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var unknown = await VerifyAsync(bj, code == "12345678" ? "87654321" : "12345678", InsuredId);
        Assert.Equal(Detail(await unknown.Content.ReadAsStringAsync()), Detail(await refused.Content.ReadAsStringAsync()));
        Assert.Equal("Booked", (await ViewAsync(member, id)).GetProperty("status").GetString());

        // The Admin moves the second user to the planned pharmacy (上海市 = 上海): the change applies at once.
        var sh = await PharmacyUserAsync(here);
        Assert.Equal(HttpStatusCode.BadRequest, (await VerifyAsync(sh, code, InsuredId)).StatusCode);
        var badEdit = await admin.PutAsJsonAsync($"/api/admin/users/{here}/pharmacy", new { name = "上药云健康益药药房（上海店）", city = "" });
        Assert.Contains("pharmacy.city", await badEdit.Content.ReadAsStringAsync());
        var edited = await admin.PutAsJsonAsync($"/api/admin/users/{here}/pharmacy", new { name = "上药云健康益药药房（上海店）", city = "上海市" });
        Assert.True(edited.StatusCode == HttpStatusCode.OK, await edited.Content.ReadAsStringAsync());
        var view = await (await admin.GetAsync($"/api/admin/users/{here}")).Body();
        Assert.Equal("上药云健康益药药房（上海店）", view.GetProperty("pharmacy").GetProperty("name").GetString());
        var ok = await VerifyAsync(sh, code, InsuredId);
        Assert.True(ok.StatusCode == HttpStatusCode.OK, await ok.Content.ReadAsStringAsync());
        Assert.Equal("Completed", (await ViewAsync(member, id)).GetProperty("status").GetString());

        // A Pharmacy user whose pharmacy was never set (made one by a change of roles) verifies nothing.
        var staff = $"ph-role-{suffix}";
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/admin/users", new { userName = staff, displayName = "专员", roles = new[] { "Specialist" }, password = BackOfficeFactory.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/admin/users/{staff}/roles", new { roles = new[] { "Pharmacy" } })).StatusCode);
        var unset = await VerifyAsync(await PharmacyUserAsync(staff), "12345678", InsuredId);
        Assert.Equal(HttpStatusCode.Forbidden, unset.StatusCode);
        Assert.Contains("尚未指定所属药店", await unset.Content.ReadAsStringAsync());
    }

    /// <summary>Authorised (first purchase) or straight to the review, then approved: the case waits at 规划药店与确认库存.</summary>
    private async Task<string> CpicAtPlanAsync(HttpClient member, string policy)
    {
        var app = await ApplyAsync(member, "cpic-special-drug-direct-pay", policy, new { drug = "赫赛汀", city = "上海" });
        var id = app.GetProperty("id").GetString()!;
        if (await TaskAsync(id, "authorise", "CaseManager") is not null) await CompleteOkAsync(id, "authorise", "CaseManager", "Authorised", Materials);
        await CompleteOkAsync(id, "review", "Specialist", "Approved", new { });
        return id;
    }

    [Fact]
    public async Task CPIC_direct_billing_advances_within_the_policys_sum_insured_less_earlier_advances_and_the_member_sees_their_share_and_what_is_left()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        // The feed states the sum insured; a wrong one is refused with the field's name and stores nothing.
        var admin = await factory.ClientAs("Admin");
        var bad = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[] { new { policyNumber = "SI-BAD-" + Guid.NewGuid().ToString("N")[..6], product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01",
                endDate = "2026-12-31", specialtyDrugCover = true, specialtyDrugSumInsured = -5, insured = new { name = "李药师", idNumber = InsuredId } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badText = await bad.Content.ReadAsStringAsync();
        Assert.True(badText.Contains("specialtyDrugSumInsured") && badText.Contains("特药保险金额"), badText);

        var policy = await ImportAsync("drug-si-cap", "cpic", sumInsured: 15000m);
        var member = await factory.MemberAsync("drug-si-cap");
        var pharmacy = await factory.ClientAs("Pharmacy");

        // First purchase: 12,000 within the 15,000 sum insured; 3,000 left.
        var first = await CpicAtPlanAsync(member, policy);
        await CompleteOkAsync(first, "plan", "Specialist", "Planned", Pickup(drugCost: 12000m));
        var firstText = Timeline(await ViewAsync(member, first));
        Assert.Contains("本公司按约定比例（100%）垫付 12000 元，您需自付 0 元", firstText);
        Assert.Contains("本保单特药保险金额 15000 元，本次垫付后剩余 3000 元", firstText);
        Assert.Equal(HttpStatusCode.OK, (await VerifyAsync(pharmacy, PickupCode(await ViewAsync(member, first)), InsuredId)).StatusCode);

        // Second: 5,000, of which only the 3,000 left is advanced; the member pays 2,000, and staff read it on the case.
        var second = await CpicAtPlanAsync(member, policy);
        await CompleteOkAsync(second, "plan", "Specialist", "Planned", Pickup(drugCost: 5000m));
        var secondText = Timeline(await ViewAsync(member, second));
        Assert.Contains("垫付 3000 元，您需自付 2000 元", secondText);
        Assert.Contains("已用完（剩余 0 元）", secondText);
        var staff = await factory.ClientAs("Specialist");
        var caseView = await (await staff.GetAsync($"/api/cases/{second}")).Body();
        Assert.Contains(caseView.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("messageZh").GetString()!.Contains("您需自付 2000 元"));
        var billing = caseView.GetProperty("policy").GetProperty("directBilling");
        Assert.Equal(15000m, billing.GetProperty("sumInsured").GetDecimal());
        Assert.Equal(15000m, billing.GetProperty("advanced").GetDecimal());
        Assert.Equal(0m, billing.GetProperty("left").GetDecimal());
        Assert.True(billing.GetProperty("fromFeed").GetBoolean());

        // Third: nothing left, nothing advanced; the member pays it all and is told why.
        var third = await CpicAtPlanAsync(member, policy);
        await CompleteOkAsync(third, "plan", "Specialist", "Planned", Pickup(drugCost: 1000m));
        var thirdText = Timeline(await ViewAsync(member, third));
        Assert.Contains("垫付 0 元，您需自付 1000 元", thirdText);
        Assert.Contains("特药保险金额 15000 元已用完，本次不再垫付", thirdText);

        // The second gives the voucher up: its 3,000 comes back, and the next purchase can use it.
        await CompleteOkAsync(second, "fulfil", "Specialist", "Expired", new { reason = "会员改为自费购药" });
        Assert.Equal(1L, factory.Count($"DirectBillingAccounts WHERE PolicyNumber = '{policy}' AND UsedFen = 1200000"));
        var fourth = await CpicAtPlanAsync(member, policy);
        await CompleteOkAsync(fourth, "plan", "Specialist", "Planned", Pickup(drugCost: 4000m));
        Assert.Contains("垫付 3000 元，您需自付 1000 元", Timeline(await ViewAsync(member, fourth)));

        // A policy whose feed states no sum insured takes the documented default (DirectBilling:DefaultSumInsured, 1,000,000).
        var plain = await ImportAsync("drug-si-default", "cpic");
        var plainMember = await factory.MemberAsync("drug-si-default");
        var plainId = await CpicAtPlanAsync(plainMember, plain);
        await CompleteOkAsync(plainId, "plan", "Specialist", "Planned", Pickup(drugCost: 12000m));
        Assert.Contains("本保单特药保险金额 1000000 元，本次垫付后剩余 988000 元", Timeline(await ViewAsync(plainMember, plainId)));
        Assert.Equal(0L, factory.Count("WorkflowInstances WHERE SubStatus = 'Faulted'"));
    }

    [Fact]
    public async Task Two_CPIC_advances_at_once_never_overdraw_the_sum_insured()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var policy = await ImportAsync("drug-si-race", "cpic", sumInsured: 10000m);
        var member = await factory.MemberAsync("drug-si-race");
        // The first purchase is authorised; then two purchases reach the plan step together.
        var a = await CpicAtPlanAsync(member, policy);
        var b = await CpicAtPlanAsync(member, policy);
        var results = await Task.WhenAll(CompleteAsync(a, "plan", "Specialist", "Planned", Pickup(drugCost: 8000m)),
            CompleteAsync(b, "plan", "Specialist", "Planned", Pickup(drugCost: 8000m)));
        foreach (var r in results)
            Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, await r.Content.ReadAsStringAsync());
        // Whatever the interleaving: the advances together stay within 10,000, and the ledger agrees with its rows.
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>();
            var account = db.DirectBillingAccounts.Single(x => x.PolicyNumber == policy);
            Assert.True(account.UsedFen <= 1_000_000, $"overdrawn: {account.UsedFen}");
            Assert.Equal(account.UsedFen, db.DirectBillingAdvances.Where(x => x.PolicyId == account.PolicyId && x.State != "Released").Sum(x => x.AmountFen));
        }

        // The guard itself, inside one transaction: an advance computed from a stale balance is refused and changes nothing.
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>();
            var account = db.DirectBillingAccounts.AsNoTracking().Single(x => x.PolicyNumber == policy);
            var handler = factory.Services.GetServices<Workflows.Persistence.Stores.IStepEffectHandler>().OfType<Workflows.Domain.Applications.DirectBillingEffects>().Single();
            var connections = factory.Services.GetRequiredService<Workflows.Persistence.StoreConnections>();
            var instance = new WorkflowInstance { Id = "stale", DefinitionId = "d", DefinitionVersionId = "d", Version = 1, CorrelationId = "stale-app", UpdatedAt = factory.Clock.GetUtcNow() };
            var stale = new StepEffect(Workflows.Domain.Applications.DirectBillingEffects.Reserve,
                Workflows.Domain.Applications.DirectBillingEffects.ReserveData(account.PolicyId, policy, 10000m, 10000m - account.UsedFen / 100m + 0.01m), "plan");
            var refused = await Assert.ThrowsAsync<EffectRefusedException>(() => connections.WriteAsync(c =>
            {
                var tx = c.Dialect.Begin(c);
                try { handler.Apply(new Workflows.Persistence.StepTransaction(c, tx, new StepCommit(instance, 0, [], [], [], null, [stale])), stale); }
                finally { c.Dialect.Rollback(c, tx); }
                return Task.FromResult(0);
            }, default));
            Assert.Equal("SUM_INSURED_EXHAUSTED", refused.Code);
            Assert.Equal(account.UsedFen, db.DirectBillingAccounts.AsNoTracking().Single(x => x.PolicyNumber == policy).UsedFen);
            Assert.Equal(0, db.DirectBillingAdvances.Count(x => x.ApplicationId == "stale-app"));
        }
        // A refused completion changed nothing: completing it again takes the balance now left.
        foreach (var id in new[] { a, b })
            if (await TaskAsync(id, "plan", "Specialist") is not null) await CompleteOkAsync(id, "plan", "Specialist", "Planned", Pickup(drugCost: 8000m));
        var texts = new[] { Timeline(await ViewAsync(member, a)), Timeline(await ViewAsync(member, b)) };
        Assert.Contains(texts, t => t.Contains("垫付 8000 元，您需自付 0 元"));
        Assert.Contains(texts, t => t.Contains("垫付 2000 元，您需自付 6000 元"));
    }

    [Fact]
    public async Task JD_same_city_delivery_keeps_the_half_day_windows_and_a_delivery_refused_at_the_door_as_damaged_is_re_dispatched_once_verified()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z")); // Wednesday 10:00 in Shanghai: booked in the morning
        var policy = await ImportAsync("drug-jd-door", "jd");
        var member = await factory.MemberAsync("drug-jd-door");
        var app = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-06-08" });
        var id = app.GetProperty("id").GetString()!;
        await CompleteOkAsync(id, "review", "Specialist", "Approved", new { });
        await CompleteOkAsync(id, "plan", "Specialist", "Planned",
            new { mode = "delivery", pharmacyName = "上药云健康益药药房（上海店）", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = "上海", stockConfirmed = true,
                  deliveryAddress = "上海市徐汇区测试路5号" });
        // J 232: booked in the morning, delivered this afternoon (by 18:00), and the member is told so.
        var fulfil = (await TaskAsync(id, "fulfil", "Specialist"))!.Value;
        Assert.Equal(DateTimeOffset.Parse("2026-06-10T10:00:00Z"), fulfil.GetProperty("dueAt").GetDateTimeOffset());
        var booked = Timeline(await ViewAsync(member, id));
        Assert.Contains("同城配送（上午预约，当日下午送达），预计 2026-06-10 18:00 前送达", booked);
        Assert.Contains("如有破损、缺失或错发，请不要付款并拒收", booked);
        var form = fulfil.GetProperty("outcomes").EnumerateArray().Select(o => o.ToString()).ToList();
        Assert.Contains("Redispatch", form);

        // 14:30: the member refuses the delivery at the door, damaged. Found after paying: not re-dispatched (J 168).
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T06:30:00Z"));
        var afterPaying = await CompleteAsync(id, "fulfil", "Specialist", "Redispatch",
            new { trackingNumber = "SF2", refusalReason = "damaged", paidBeforeFound = true, verified = true });
        Assert.Equal(HttpStatusCode.BadRequest, afterPaying.StatusCode);
        Assert.Contains("不再重新安排发药", await afterPaying.Content.ReadAsStringAsync());
        var unverified = await CompleteAsync(id, "fulfil", "Specialist", "Redispatch", new { trackingNumber = "SF2", refusalReason = "damaged", verified = false });
        Assert.Equal(HttpStatusCode.BadRequest, unverified.StatusCode);
        Assert.Contains("核实", await unverified.Content.ReadAsStringAsync());
        var noReason = await CompleteAsync(id, "fulfil", "Specialist", "Redispatch", new { trackingNumber = "SF2", verified = true });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("refusalReason", await noReason.Content.ReadAsStringAsync());

        // Verified damage in transit: re-dispatched; booked in the afternoon now, so due tomorrow morning (by 12:00).
        await CompleteOkAsync(id, "fulfil", "Specialist", "Redispatch", new { trackingNumber = "SF2222", refusalReason = "damaged", verified = true });
        var view = await ViewAsync(member, id);
        Assert.Equal("Booked", view.GetProperty("status").GetString());
        var text = Timeline(view);
        Assert.Contains("您已拒收配送的药品（运输途中破损），经核实已安排药房重新发货，新运单号 SF2222", text);
        Assert.Contains("同城配送（下午预约，次日上午送达），预计 2026-06-11 12:00 前送达", text);
        var again = (await TaskAsync(id, "fulfil", "Specialist"))!.Value;
        Assert.Equal(DateTimeOffset.Parse("2026-06-11T04:00:00Z"), again.GetProperty("dueAt").GetDateTimeOffset());
        await CompleteOkAsync(id, "fulfil", "Specialist", "Delivered", new { trackingNumber = "SF2222" });
        Assert.Equal("Completed", (await ViewAsync(member, id)).GetProperty("status").GetString());

        // A pickup cannot be "re-dispatched".
        var pickupApp = await ApplyAsync(member, "jd-reservation-purchase", policy, new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = "2026-06-08" });
        var pickupId = pickupApp.GetProperty("id").GetString()!;
        await CompleteOkAsync(pickupId, "review", "Specialist", "Approved", new { });
        await CompleteOkAsync(pickupId, "plan", "Specialist", "Planned", Pickup(drugCost: null));
        var notDelivery = await CompleteAsync(pickupId, "fulfil", "Specialist", "Redispatch", new { trackingNumber = "SF3", refusalReason = "wrong", verified = true });
        Assert.Equal(HttpStatusCode.BadRequest, notDelivery.StatusCode);
        Assert.Equal(0L, factory.Count("WorkflowInstances WHERE SubStatus = 'Faulted'"));
    }

    [Fact]
    public async Task CPIC_same_city_delivery_is_due_the_next_working_day_not_in_JDs_half_day_windows()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-12T07:00:00Z")); // Friday 15:00 in Shanghai
        var policy = await ImportAsync("drug-cpic-door", "cpic");
        var member = await factory.MemberAsync("drug-cpic-door");
        var id = await CpicAtPlanAsync(member, policy);
        await CompleteOkAsync(id, "plan", "Specialist", "Planned",
            new { mode = "delivery", pharmacyName = "上药云健康益药药房（上海店）", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = "上海", stockConfirmed = true,
                  deliveryAddress = "上海市徐汇区测试路5号", drugCost = 3000m });
        var due = TimeZoneInfo.ConvertTime((await TaskAsync(id, "fulfil", "Specialist"))!.Value.GetProperty("dueAt").GetDateTimeOffset(), Workflows.Domain.Calendar.BusinessCalendar.Shanghai);
        Assert.Equal(new DateTime(2026, 6, 15), due.Date); // C 893: 1 working day, over the weekend to Monday
        Assert.Contains("同城配送，预计 2026-06-15", Timeline(await ViewAsync(member, id)));
    }
}
