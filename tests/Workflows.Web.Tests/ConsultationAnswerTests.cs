using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Workflows.Domain.Policies;
using Workflows.Web.Workspace;

namespace Workflows.Web.Tests;

/// <summary>
/// COC 在线咨询 answers: the case manager's answer, written through the answer task, is kept encrypted with the question
/// (in the same step), the member reads it in their portal API, another member cannot, and staff history masks identifiers.
/// </summary>
public sealed class ConsultationAnswerTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task The_member_reads_the_case_managers_answer_another_member_gets_404_and_the_answer_is_ciphertext_on_disk()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-03T02:00:00Z"));
        var number = "COCANS-" + Guid.NewGuid().ToString("N")[..8];
        var admin = await factory.ClientAs("Admin");
        (await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[]
        {
            new { policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-10", endDate = "2027-01-09",
                  insured = new { name = "答复", idNumber = "110101198005010060", userName = "coc-answer-member" } },
            new { policyNumber = number + "X", product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-10", endDate = "2027-01-09",
                  insured = new { name = "旁人", idNumber = "110101198005010079", userName = "coc-other-member" } },
        } })).EnsureSuccessStatusCode();
        var member = await factory.MemberAsync("coc-answer-member");
        var other = await factory.MemberAsync("coc-other-member");
        var caseManager = await factory.ClientAs("CaseManager");

        var id = (await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-coc-oncology-follow-up", policyNumber = number })).Body())
            .GetProperty("id").GetString()!;
        await Complete(caseManager, id, "Enrolled", null);

        // Nothing asked yet: an empty list, not an error.
        Assert.Equal(0, (await (await member.GetAsync($"/api/me/applications/{id}/consultations")).Body()).GetArrayLength());

        const string question = "我的手机13912345678，化疗后手脚发麻怎么办？";
        var asked = await member.PostAsJsonAsync($"/api/me/applications/{id}/consultations", new { question });
        Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
        var consultationId = (await asked.Body()).GetProperty("consultationId").GetString()!;
        var waiting = (await (await member.GetAsync($"/api/me/applications/{id}/consultations")).Body())[0];
        Assert.False(waiting.GetProperty("answered").GetBoolean());
        Assert.Equal(JsonValueKind.Null, waiting.GetProperty("answer").ValueKind);

        // The answer is required on this task: without it the task stays open (400) and nothing changes.
        var task = await TaskFor(caseManager, id);
        var empty = await caseManager.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome = "Answered" }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("answerSummary", await empty.Content.ReadAsStringAsync());

        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-03T02:20:00Z"));
        const string answer = "手脚发麻多为神经毒性ANSWERMARK7Q，请记录程度，下次复诊时告诉医生；如影响走路请拨打010-88886666。";
        await Complete(caseManager, id, "Answered", new { answerSummary = answer });

        var mine = (await (await member.GetAsync($"/api/me/applications/{id}/consultations")).Body())[0];
        Assert.Equal(consultationId, mine.GetProperty("id").GetString());
        Assert.Equal(question, mine.GetProperty("question").GetString());
        Assert.True(mine.GetProperty("answered").GetBoolean());
        Assert.Equal(answer, mine.GetProperty("answer").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-02-03T02:20:00Z"), mine.GetProperty("answeredAt").GetDateTimeOffset());

        // Another member: 404, exactly like an application that does not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/me/applications/{id}/consultations")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/me/applications/{Guid.NewGuid():N}/consultations")).StatusCode);
        // Staff do not use the member's endpoint.
        Assert.Equal(HttpStatusCode.Forbidden, (await caseManager.GetAsync($"/api/me/applications/{id}/consultations")).StatusCode);

        // The case manager's COC history: who answered and when, the identifiers masked by content.
        using (var scope = factory.Services.CreateScope())
        {
            var history = (await scope.ServiceProvider.GetRequiredService<ICocWorkspace>().ConsultationsAsync(id, CancellationToken.None))!;
            var item = Assert.Single(history);
            Assert.Contains("139****5678", item.QuestionMasked);
            Privacy.AssertHidden(item.QuestionMasked, "the masked question", "139****5678", "13912345678");
            Privacy.AssertHidden(item.AnswerMasked!, "the masked answer", "神经毒性ANSWERMARK7Q", "88886666");
            Assert.False(string.IsNullOrEmpty(item.AnsweredBy));
            Assert.Equal(DateTimeOffset.Parse("2026-02-03T02:20:00Z"), item.AnsweredAt);
        }

        // On disk: the answer (and the question) only as ciphertext — in the database files and the logs — while a
        // non-sensitive value written alongside (the policy number) is found, so the search itself works.
        // On PostgreSQL the database is not in the data folder: every value of every table is read as a dump would hold it.
        var files = Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.AllDirectories).Select(f => (f, Bytes: ReadShared(f))).ToList();
        if (factory.Database.IsPostgreSql) files.Add(("the PostgreSQL database", Encoding.UTF8.GetBytes(factory.Database.TextAtRest())));
        var databases = files.Where(d => !d.f.StartsWith(factory.LogDirectory, StringComparison.Ordinal)).ToList();
        Assert.Contains(databases, d => Contains(d.Bytes, number));
        Assert.Contains(databases, d => Contains(d.Bytes, consultationId));
        foreach (var (file, bytes) in files)
        {
            Assert.False(Contains(bytes, "ANSWERMARK7Q"), $"the answer is in plain text in {file}");
            Assert.False(Contains(bytes, "神经毒性"), $"the answer is in plain text in {file}");
            Assert.False(Contains(bytes, "手脚发麻怎么办"), $"the question is in plain text in {file}");
        }
    }

    [Theory]
    [InlineData("身份证110101198005010044，电话13912345678", "身份证110***********0044，电话139****5678")]
    [InlineData("座机021-62345678或0755 1234", "座机021*****5678或0755 1234")]
    [InlineData("白细胞3.5，下周复查", "白细胞3.5，下周复查")]
    public void Identifiers_in_free_text_are_masked_by_content(string text, string masked) =>
        Assert.Equal(masked, PersonalDataProtector.MaskContent(text));

    private static byte[] ReadShared(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static bool Contains(byte[] haystack, string value) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(value)) >= 0;

    private async Task<JsonElement> TaskFor(HttpClient caseManager, string applicationId)
    {
        string instanceId;
        using (var scope = factory.Services.CreateScope())
            instanceId = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == applicationId).InstanceId;
        var tasks = await (await caseManager.GetAsync("/api/tasks")).Body();
        return tasks.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
    }

    private async Task Complete(HttpClient caseManager, string applicationId, string outcome, object? data)
    {
        var task = await TaskFor(caseManager, applicationId);
        var r = await caseManager.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }
}
