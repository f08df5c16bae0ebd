using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Workflows.Web.Identity;

namespace Workflows.Web.Tests;

/// <summary>Sessions end when they should; sign-in is throttled without revealing names; cookie state changes need the antiforgery token.</summary>
public sealed class SessionTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private const string StaffPassword = "Stafford#2026";

    private async Task<string> NewStaffAsync(params string[] roles)
    {
        var admin = await factory.ClientAs("Admin");
        var name = "s-" + Guid.NewGuid().ToString("N")[..8];
        var r = await admin.PostAsJsonAsync("/api/admin/users", new { userName = name, displayName = "测试专员", roles, password = StaffPassword });
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        return name;
    }

    private async Task<HttpClient> BearerAsync(string user)
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new("Bearer", await BackOfficeFactory.TokenFor(client, user, StaffPassword));
        return client;
    }

    [Theory]
    [InlineData("sign-out")]
    [InlineData("password-change")]
    [InlineData("disable")]
    [InlineData("role-removal")]
    public async Task The_old_cookie_and_the_old_bearer_token_get_401_at_once(string what)
    {
        var user = await NewStaffAsync("Specialist", "CaseManager");
        var cookie = await factory.CookieClientAs(user, StaffPassword);
        var bearer = await BearerAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await cookie.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/tasks")).StatusCode);

        var admin = await factory.ClientAs("Admin");
        switch (what)
        {
            case "sign-out":
                var form = new HttpRequestMessage(HttpMethod.Post, "/account/logout") { Content = new FormUrlEncodedContent(new Dictionary<string, string>()) };
                form.Headers.Add("X-CSRF-TOKEN", await BackOfficeFactory.ApiToken(cookie));
                var signedOut = await cookie.SendAsync(form);
                Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
                break;
            case "password-change":
                var changed = await bearer.PostAsJsonAsync("/api/auth/password", new { currentPassword = StaffPassword, newPassword = "Changed#2026x" });
                Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
                break;
            case "disable":
                Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/users/{user}/disable", null)).StatusCode);
                break;
            case "role-removal":
                Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/admin/users/{user}/roles", new { roles = new[] { "Specialist" } })).StatusCode);
                break;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await cookie.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/tasks")).StatusCode);
        var page = await cookie.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/account/login", page.Headers.Location!.OriginalString);

        var audit = await (await admin.GetAsync($"/api/admin/audit?target={user}")).Body();
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "user-created");
        if (what == "disable")
        {
            Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "user-disabled" && a.GetProperty("actor").GetString() == "admin");
            // A disabled user gets the same answer as a wrong password.
            var refused = await factory.CreateClient().PostAsJsonAsync("/api/auth/token", new { userName = user, password = StaffPassword });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        if (what == "role-removal")
        {
            Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "roles-changed");
            var again = await BearerAsync(user);
            Assert.Equal(["Specialist"], (await (await again.GetAsync("/api/me")).Body()).GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        }
    }

    [Fact]
    public async Task A_refresh_token_renews_access_until_the_user_signs_out()
    {
        var user = await NewStaffAsync("Specialist");
        var client = factory.CreateClient();
        var issued = await (await client.PostAsJsonAsync("/api/auth/token", new { userName = user, password = StaffPassword })).Body();
        var refresh = issued.GetProperty("refreshToken").GetString();
        var renewed = await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = refresh });
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        var access = (await renewed.Body()).GetProperty("accessToken").GetString();
        var bearer = factory.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", access);
        Assert.Equal(HttpStatusCode.NoContent, (await bearer.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = refresh })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "garbage" })).StatusCode);
    }

    [Fact]
    public async Task A_sign_in_form_posted_from_another_site_is_refused()
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        var forged = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = "specialist", ["password"] = BackOfficeFactory.Password, ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("backoffice.auth")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Failed_sign_ins_get_one_answer_whether_the_name_exists_and_are_limited_per_client_and_name()
    {
        var client = factory.CreateClient();
        var known = await client.PostAsJsonAsync("/api/auth/token", new { userName = "auditor", password = "wrong-password" });
        var unknown = await client.PostAsJsonAsync("/api/auth/token", new { userName = "no-such-user-x", password = "wrong-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, known.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var (k, u) = (await known.Body(), await unknown.Body());
        Assert.Equal(k.GetProperty("detail").GetString(), u.GetProperty("detail").GetString());
        Assert.Equal(k.GetProperty("title").GetString(), u.GetProperty("title").GetString());

        var name = "guessed-" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < SignInThrottle.AccountClientFailures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/token", new { userName = name, password = "x" })).StatusCode);
        var limited = await client.PostAsJsonAsync("/api/auth/token", new { userName = name, password = "x" });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter is not null);
        // Another name from the same client is not affected.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/token", new { userName = "analyst", password = BackOfficeFactory.Password })).StatusCode);
    }

    [Fact]
    public void The_throttle_locks_out_only_the_guessing_client_and_only_for_a_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T01:00:00Z"));
        var throttle = new SignInThrottle(clock);
        for (var i = 0; i < SignInThrottle.AccountClientFailures; i++) throttle.Failed("10.0.0.66", "zhang.san");
        Assert.NotNull(throttle.RetryAfter("10.0.0.66", "zhang.san"));
        Assert.NotNull(throttle.RetryAfter("10.0.0.66", " ZHANG.SAN "));
        Assert.Null(throttle.RetryAfter("192.168.1.5", "zhang.san")); // the owner, elsewhere
        Assert.Null(throttle.RetryAfter("10.0.0.66", "li.si"));

        // From many clients: never refused, only slowed.
        for (var c = 0; c < 40; c++) throttle.Failed($"172.16.0.{c}", "zhang.san");
        Assert.Null(throttle.RetryAfter("192.168.1.5", "zhang.san"));
        Assert.Equal(SignInThrottle.AccountSlowdown, throttle.Slowdown("zhang.san"));

        clock.Advance(SignInThrottle.Window);
        Assert.Null(throttle.RetryAfter("10.0.0.66", "zhang.san"));
        Assert.Equal(TimeSpan.Zero, throttle.Slowdown("zhang.san"));

        for (var i = 0; i < SignInThrottle.ClientFailures; i++) throttle.Failed("10.0.0.77", $"name{i}");
        Assert.NotNull(throttle.RetryAfter("10.0.0.77", "anyone"));
    }

    [Fact]
    public async Task Admins_manage_staff_users_with_readable_refusals_and_every_change_audited()
    {
        var admin = await factory.ClientAs("Admin");
        var bad = await admin.PostAsJsonAsync("/api/admin/users", new { userName = "x y", displayName = "", roles = new[] { "Wizard" }, password = "a" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Body()).GetProperty("errors").TryGetProperty("userName", out _));
        var noRole = await admin.PostAsJsonAsync("/api/admin/users", new { userName = "ok.name", displayName = "某", roles = new[] { "Wizard" }, password = StaffPassword });
        Assert.Contains("没有这个员工角色", (await noRole.Body()).GetProperty("errors").GetProperty("roles")[0].GetString());
        var member = await admin.PostAsJsonAsync("/api/admin/users", new { userName = "ok.name", displayName = "某", roles = new[] { "Member" }, password = StaffPassword });
        Assert.Equal(HttpStatusCode.BadRequest, member.StatusCode);

        var user = await NewStaffAsync("Auditor");
        var dup = await admin.PostAsJsonAsync("/api/admin/users", new { userName = user, displayName = "某", roles = new[] { "Auditor" }, password = StaffPassword });
        Assert.Equal(HttpStatusCode.Conflict, dup.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/api/admin/users/{user}/password", new { password = "Reset#2026ab" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().PostAsJsonAsync("/api/auth/token", new { userName = user, password = "Reset#2026ab" })).StatusCode);
        var listed = await (await admin.GetAsync($"/api/admin/users?search={user}")).Body();
        var row = Assert.Single(listed.EnumerateArray());
        Assert.NotEqual(JsonValueKind.Null, row.GetProperty("lastSignInAt").ValueKind);
        Assert.Equal("staff", row.GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync("/api/admin/users/admin/disable", null)).StatusCode); // not oneself
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/admin/users/nobody-here/disable", null)).StatusCode);
        var actions = (await (await admin.GetAsync($"/api/admin/audit?target={user}")).Body()).EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(["password-reset", "user-created"], actions);
    }
}
