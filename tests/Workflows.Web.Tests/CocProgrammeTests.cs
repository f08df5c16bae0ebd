using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Workflows.Web.Tests;

/// <summary>COC follow-up is a programme, not a booking: enrolment, then questions answered by the case manager until it closes.</summary>
public sealed class CocProgrammeTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task A_member_asks_questions_the_case_manager_reads_and_answers_them_and_the_text_stays_encrypted()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-03T02:00:00Z"));
        var number = "COC-" + Guid.NewGuid().ToString("N")[..8];
        var admin = await factory.ClientAs("Admin");
        (await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { new
        {
            policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-10", endDate = "2027-01-09",
            insured = new { name = "随访", idNumber = "110101198005010044", userName = "coc-member" },
        } } })).EnsureSuccessStatusCode();
        var member = await factory.MemberAsync("coc-member");
        var caseManager = await factory.ClientAs("CaseManager");

        // Cooling-off: 15 days from 10 January, usable from 25 January.
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-01-20T02:00:00Z"));
        member = await factory.MemberAsync("coc-member");
        var early = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-coc-oncology-follow-up", policyNumber = number })).Body();
        Assert.Equal("COOLING_OFF_PERIOD", early.GetProperty("refusal").GetProperty("code").GetString());

        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-03T02:00:00Z"));
        member = await factory.MemberAsync("coc-member");
        caseManager = await factory.ClientAs("CaseManager");
        var app = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-coc-oncology-follow-up", policyNumber = number })).Body();
        var id = app.GetProperty("id").GetString()!;
        Assert.Equal("Accepted", app.GetProperty("status").GetString());

        var tooSoon = await member.PostAsJsonAsync($"/api/me/applications/{id}/consultations", new { question = "还没入组可以问吗" });
        Assert.Equal(HttpStatusCode.Conflict, tooSoon.StatusCode);

        await Complete(caseManager, id, "Enrolled");
        Assert.Equal("Booked", (await (await member.GetAsync($"/api/me/applications/{id}")).Body()).GetProperty("status").GetString());

        const string question = "化疗后白细胞偏低需要停药吗？";
        var asked = await member.PostAsJsonAsync($"/api/me/applications/{id}/consultations", new { question });
        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        var consultationId = (await asked.Body()).GetProperty("consultationId").GetString()!;

        var task = await TaskFor(caseManager, id);
        Assert.Contains(consultationId, task.GetProperty("instructions").GetString());
        var read = await (await caseManager.GetAsync($"/api/consultations/{consultationId}")).Body();
        Assert.Equal(question, read.GetProperty("question").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.ClientAs("Specialist")).GetAsync($"/api/consultations/{consultationId}")).StatusCode);
        await Complete(caseManager, id, "Answered", new { answerSummary = "白细胞低于3.0请先停药并联系主治医生。" });

        // The programme goes on: a second question gets a new task.
        var second = await member.PostAsJsonAsync($"/api/me/applications/{id}/consultations", new { question = "复查间隔多久？" });
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("Booked", (await (await member.GetAsync($"/api/me/applications/{id}")).Body()).GetProperty("status").GetString());
        await Complete(caseManager, id, "Answered", new { answerSummary = "一般每三个月复查一次。" });

        // Closing ends it; the member sees it completed.
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(Json.Post("/api/events/CocClosed", new { correlationKey = id }))).StatusCode);
        var final = await (await member.GetAsync($"/api/me/applications/{id}")).Body();
        Assert.Equal("Completed", final.GetProperty("status").GetString());

        // The question is nowhere in plain text: not in the journal, not in the database.
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT (SELECT COUNT(*) FROM JournalEntries WHERE PayloadJson LIKE '%白细胞%') + (SELECT COUNT(*) FROM MemberConsultations WHERE QuestionProtected LIKE '%白细胞%') + (SELECT COUNT(*) FROM WorkflowInstances WHERE StateJson LIKE '%白细胞%') + (SELECT COUNT(*) FROM MemberConsultations WHERE AnswerProtected LIKE '%停药%')";
        Assert.Equal(0L, cmd.ExecuteScalar());
    }

    private async Task<JsonElement> TaskFor(HttpClient caseManager, string applicationId)
    {
        string instanceId;
        using (var scope = factory.Services.CreateScope())
            instanceId = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>()
                .Applications.Single(a => a.Id == applicationId).InstanceId;
        var tasks = await (await caseManager.GetAsync("/api/tasks")).Body();
        return tasks.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    private async Task Complete(HttpClient caseManager, string applicationId, string outcome, object? data = null)
    {
        var task = await TaskFor(caseManager, applicationId);
        var r = await caseManager.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }
}
