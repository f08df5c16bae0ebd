using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Workflows.Web.Tests;

/// <summary>
/// Member identities from the policy feed, activation and reset with one-time codes, and members kept apart, through
/// the HTTP API on a real SQLite file (fake clock, so codes can expire).
/// </summary>
public sealed class MemberIdentityTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    private const string NewPassword = "Blossom#2026";

    private static object Policy(string number, string idNumber, string product = "cpic-breast-cancer-recurrence", object? guardian = null) => new
    {
        policyNumber = number, product, variant = product == "jd-malignant-tumour-drug" ? "with-social-insurance" : null,
        effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
        insured = new { name = "王会员", idNumber, phone = "13900000009", birthDate = "1980-05-01" },
        guardian,
        diagnoses = product == "jd-malignant-tumour-drug"
            ? new object[] { new { kind = "first-malignant-tumour", diagnosedOn = "2026-03-05", detail = "肺癌" } }
            : new object[] { new { kind = "recurrence", diagnosedOn = "2026-03-05", detail = "乳腺癌复发" } },
    };

    private static string Number() => "M-" + Guid.NewGuid().ToString("N")[..10];
    private static string IdNumber() => "3101011980" + Random.Shared.Next(10_000_000, 99_999_999).ToString()[..7] + "X";

    private async Task ImportAsync(params object[] policies)
    {
        var admin = await factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new { policies });
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }

    /// <summary>The codes the member was sent, newest first, as an Admin reads them for a demo.</summary>
    private async Task<List<string>> CodesAsync(string member)
    {
        var admin = await factory.ClientAs("Admin");
        var list = await (await admin.GetAsync($"/api/admin/member-codes?member={member}")).Body();
        return list.EnumerateArray().Select(m => Regex.Match(m.GetProperty("text").GetString()!, @"\d{6}").Value).ToList();
    }

    private async Task<string> ActivateAsync(string idNumber, string policyNumber)
    {
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber, policyNumber })).StatusCode);
        var code = (await CodesAsync(idNumber)).First();
        var done = await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber, code, password = NewPassword });
        Assert.True(done.StatusCode == HttpStatusCode.OK, await done.Content.ReadAsStringAsync());
        return (await done.Body()).GetProperty("userName").GetString()!;
    }

    private async Task<HttpClient> BearerAsync(string login, string password = NewPassword)
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new("Bearer", await BackOfficeFactory.TokenFor(client, login, password));
        return client;
    }

    [Fact]
    public async Task The_feed_creates_one_identity_per_person_who_activates_with_a_code_and_sees_all_their_policies()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var (id, cpic, jd, renewal) = (IdNumber(), Number(), Number(), Number());
        await ImportAsync(Policy(cpic, id), Policy(jd, id.ToLowerInvariant(), "jd-malignant-tumour-drug"));
        await ImportAsync(Policy(renewal, id));

        // One identity, matched by a keyed hash: the plain ID number is nowhere in the users table.
        using (var c = factory.Database.OpenSqlite())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT COUNT(*) FROM AspNetUsers WHERE IdNumberHash IS NOT NULL AND DisplayName = '王会员'";
            Assert.True((long)cmd.ExecuteScalar()! >= 1);
            cmd.CommandText = "SELECT COUNT(*) FROM AspNetUsers WHERE instr(coalesce(UserName,'') || coalesce(IdNumberHash,'') || coalesce(NormalizedUserName,''), @id) > 0";
            cmd.Parameters.AddWithValue("@id", id);
            Assert.Equal(0L, (long)cmd.ExecuteScalar()!);
            cmd.CommandText = "SELECT COUNT(DISTINCT InsuredUserName) FROM Policies WHERE PolicyNumber IN (@a, @b, @c)";
            cmd.Parameters.AddWithValue("@a", cpic); cmd.Parameters.AddWithValue("@b", jd); cmd.Parameters.AddWithValue("@c", renewal);
            Assert.Equal(1L, (long)cmd.ExecuteScalar()!);
        }

        var anonymous = factory.CreateClient();
        // Not activated: cannot sign in (the same answer as a wrong password).
        var early = await anonymous.PostAsJsonAsync("/api/auth/token", new { userName = id, password = NewPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, early.StatusCode);

        // A wrong policy number, or an unknown person: the same answer, and nothing is sent.
        var wrongPolicy = await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber = id, policyNumber = "NOT-MINE" });
        var unknown = await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber = IdNumber(), policyNumber = cpic });
        Assert.Equal(HttpStatusCode.Accepted, wrongPolicy.StatusCode);
        Assert.Equal(await wrongPolicy.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        Assert.Empty(await CodesAsync(id));

        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber = id, policyNumber = jd })).StatusCode);
        var code = Assert.Single(await CodesAsync(id));
        Assert.Matches(@"^\d{6}$", code);
        // Only the keyed hash of the code is stored.
        using (var c = factory.Database.OpenSqlite())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT CodeHash FROM OneTimeCodes ORDER BY CreatedAt DESC LIMIT 1";
            var stored = (string)cmd.ExecuteScalar()!;
            Assert.Equal(64, stored.Length);
            Assert.DoesNotContain(code, stored);
        }

        var weak = await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber = id, code, password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        var weakBody = await weak.Body();
        Assert.Contains("密码至少 8 位", weakBody.GetProperty("errors").GetProperty("password")[0].GetString());

        var done = await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber = id, code, password = NewPassword });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var userName = (await done.Body()).GetProperty("userName").GetString()!;
        Assert.Matches(@"^m\d{10}$", userName);

        // Single use.
        var again = await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber = id, code, password = "Another#2026" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("验证码", (await again.Body()).GetProperty("errors").GetProperty("code")[0].GetString());

        // Signs in with the ID number or the user name, and sees all three policies.
        var member = await BearerAsync(id);
        var policies = (await (await member.GetAsync("/api/me/policies")).Body()).EnumerateArray().Select(p => p.GetProperty("policyNumber").GetString()).ToList();
        Assert.Equal(new[] { cpic, jd, renewal }.Order(), policies.Order());
        var me = await (await member.GetAsync("/api/me")).Body();
        Assert.Equal(userName, me.GetProperty("userName").GetString());
        Assert.Equal(["Member"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        await BearerAsync(userName);

        // Password reset the same way: the old token stops working at once, the new password works.
        factory.Clock.SetUtcNow(factory.Clock.GetUtcNow().AddMinutes(2));
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/account/password-reset/request", new { login = id })).StatusCode);
        var resetCode = (await CodesAsync(id)).First();
        Assert.NotEqual(code, resetCode);
        var reset = await anonymous.PostAsJsonAsync("/api/account/password-reset/complete", new { login = userName, code = resetCode, password = "Renewed#2026" });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await member.GetAsync("/api/me/policies")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/token", new { userName = id, password = NewPassword })).StatusCode);
        await BearerAsync(id, "Renewed#2026");
    }

    [Fact]
    public async Task Codes_expire_die_after_five_wrong_entries_and_are_rate_limited()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-02T02:00:00Z"));
        var (id, number) = (IdNumber(), Number());
        await ImportAsync(Policy(number, id));
        var anonymous = factory.CreateClient();
        async Task<HttpResponseMessage> Request() => await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber = id, policyNumber = number });
        async Task<HttpStatusCode> Complete(string code) =>
            (await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber = id, code, password = NewPassword })).StatusCode;

        await Request();
        var first = (await CodesAsync(id)).Single();
        await Request(); // within 60 s: the same answer, nothing sent
        Assert.Single(await CodesAsync(id));

        factory.Clock.SetUtcNow(factory.Clock.GetUtcNow().AddMinutes(10).AddSeconds(1));
        Assert.Equal(HttpStatusCode.BadRequest, await Complete(first)); // expired

        await Request();
        var second = (await CodesAsync(id)).First();
        var wrong = second == "000000" ? "111111" : "000000";
        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.BadRequest, await Complete(wrong));
        Assert.Equal(HttpStatusCode.BadRequest, await Complete(second)); // dead after five wrong entries

        factory.Clock.SetUtcNow(factory.Clock.GetUtcNow().AddMinutes(2));
        await Request(); // third code this hour
        var third = (await CodesAsync(id)).First();
        factory.Clock.SetUtcNow(factory.Clock.GetUtcNow().AddMinutes(2));
        await Request(); // a fourth within the hour is not sent
        Assert.Equal(3, (await CodesAsync(id)).Count);
        Assert.Equal(HttpStatusCode.OK, await Complete(third));
    }

    [Fact]
    public async Task Two_members_cannot_read_each_others_policies_applications_messages_or_summaries_by_any_id()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-03T02:00:00Z"));
        var (idA, idB, numberA, numberB) = (IdNumber(), IdNumber(), Number(), Number());
        await ImportAsync(Policy(numberA, idA), Policy(numberB, idB));
        await ActivateAsync(idA, numberA);
        await ActivateAsync(idB, numberB);
        var a = await BearerAsync(idA);
        var b = await BearerAsync(idB);

        var applied = await a.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = numberA, details = new { city = "上海" } });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        var appId = (await applied.Body()).GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/api/me/applications/{appId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/me/applications/{appId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsync($"/api/me/applications/{appId}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync($"/api/me/applications/{appId}/consultations", new { question = "?" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = numberA, details = new { city = "上海" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync("/api/me/reimbursement-estimate", new { policyNumber = numberA, drugCost = 100 })).StatusCode);
        Assert.DoesNotContain(numberA, await b.GetStringAsync("/api/me/policies"));
        Assert.DoesNotContain(appId!, await b.GetStringAsync("/api/me/applications"));
        Assert.DoesNotContain(appId!, await b.GetStringAsync("/api/me/quotas"));
        var aMessages = (await (await a.GetAsync("/api/me/notifications")).Body()).EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToList();
        Assert.NotEmpty(aMessages); // at least the activation code
        var bMessages = await b.GetStringAsync("/api/me/notifications");
        Assert.All(aMessages, m => Assert.DoesNotContain(m, bMessages));
        Assert.DoesNotContain(appId!, await b.GetStringAsync("/api/me/summaries"));
        // Staff endpoints stay closed to members whatever the id.
        Assert.Equal(HttpStatusCode.Forbidden, (await b.GetAsync($"/api/policies/{numberA}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await b.GetAsync($"/api/coc/{appId}/summaries")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await b.GetAsync($"/api/admin/member-codes?member={idA}")).StatusCode);
    }

    [Fact]
    public async Task A_cross_site_cancel_with_the_members_cookie_is_refused_and_the_same_cancel_with_the_token_works()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-04T02:00:00Z"));
        var (id, number) = (IdNumber(), Number());
        await ImportAsync(Policy(number, id));
        await ActivateAsync(id, number);
        var cookie = await factory.CookieClientAs(id, NewPassword);
        var applied = await cookie.SendAsync(WithToken(Json.Post("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = number, details = new { city = "上海" } }),
            await BackOfficeFactory.ApiToken(cookie)));
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        var appId = (await applied.Body()).GetProperty("id").GetString();

        // What a page on another site can make the browser send: the cookie, a form body, no token.
        var forged = await cookie.PostAsync($"/api/me/applications/{appId}/cancel", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("防伪令牌", await forged.Content.ReadAsStringAsync());
        var still = await (await cookie.GetAsync($"/api/me/applications/{appId}")).Body();
        Assert.NotEqual("Cancelled", still.GetProperty("status").GetString());

        var cancelled = await cookie.SendAsync(WithToken(new HttpRequestMessage(HttpMethod.Post, $"/api/me/applications/{appId}/cancel"), await BackOfficeFactory.ApiToken(cookie)));
        Assert.True(cancelled.IsSuccessStatusCode, await cancelled.Content.ReadAsStringAsync());
    }

    private static HttpRequestMessage WithToken(HttpRequestMessage m, string token)
    {
        m.Headers.Add("X-CSRF-TOKEN", token);
        return m;
    }
}
