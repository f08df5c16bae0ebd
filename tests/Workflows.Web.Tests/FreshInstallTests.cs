using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;

namespace Workflows.Web.Tests;

/// <summary>The host as installed for production: no demo users.</summary>
public sealed class FreshInstallFactory : BackOfficeFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Seed:DemoUsers", "false");
    }
}

/// <summary>With Seed:DemoUsers=false nobody can sign in until the documented create-admin command made the first admin.</summary>
public sealed class FreshInstallTests(FreshInstallFactory factory) : IClassFixture<FreshInstallFactory>
{
    [Fact]
    public async Task A_fresh_install_has_no_users_and_create_admin_makes_the_first_admin()
    {
        var client = factory.CreateClient();
        Assert.Equal(0L, factory.Count("AspNetUsers"));
        Assert.Equal(0L, factory.Count("Policies"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/auth/token", new { userName = "admin", password = BackOfficeFactory.Password })).StatusCode);

        var (exit, output) = await BackOfficeProcess.RunCommandAsync("create-admin", "root.admin", "--DataDirectory", factory.DataDirectory, "--Seed:DemoUsers", "false");
        Assert.True(exit == 0, output);
        var password = Regex.Match(output, "One-time password: (\\S+)").Groups[1].Value;
        Assert.True(password.Length >= 12, output);
        Assert.Equal(1L, factory.Count("AspNetUsers"));

        var admin = factory.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new("Bearer", await BackOfficeFactory.TokenFor(admin, "root.admin", password));
        var me = await (await admin.GetAsync("/api/me")).Body();
        Assert.Equal(["Admin"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var audit = await (await admin.GetAsync("/api/admin/audit")).Body();
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "user-created" && a.GetProperty("target").GetString() == "root.admin");

        var (again, refusal) = await BackOfficeProcess.RunCommandAsync("create-admin", "root.admin", "--DataDirectory", factory.DataDirectory, "--Seed:DemoUsers", "false");
        Assert.Equal(1, again);
        Assert.Contains("已被使用", refusal);
        Assert.Equal(1L, factory.Count("AspNetUsers"));
    }
}
