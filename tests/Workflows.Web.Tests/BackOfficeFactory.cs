using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Persistence;

namespace Workflows.Web.Tests;

/// <summary>
/// The real back-office host (Program) on a real SQLite file in its own temp folder, with the demo users; in the PostgreSQL
/// leg of the test matrix (TEST_DATABASE_PROVIDER=PostgreSql) on a database of its own, dropped on dispose.
/// </summary>
public class BackOfficeFactory : WebApplicationFactory<Program>
{
    public const string Password = "Demo#2026";
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "wf-web-" + Guid.NewGuid().ToString("N")[..8]);
    public string LogDirectory => Path.Combine(DataDirectory, "logs");
    public string? WorkflowsDirectory { get; init; }
    /// <summary>False to keep the data folder (e.g. to read the log files after the host stopped).</summary>
    public bool DeleteDataOnDispose { get; init; } = true;
    /// <summary>The PostgreSQL leg's database for this host (null on SQLite).</summary>
    public string? PostgreSqlConnectionString { get; } = Workflows.Tests.TestDatabase.IsPostgreSql ? Workflows.Tests.TestDatabase.CreatePostgreSqlDatabase() : null;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(DataDirectory);
        builder.UseSetting("DataDirectory", DataDirectory);
        builder.UseSetting("Logging:File", Path.Combine(LogDirectory, "backoffice-.log"));
        builder.UseSetting("Scheduling:QuartzIdleWait", "00:00:01");
        builder.UseSetting("Scheduling:SweepInterval", "00:00:00.500");
        if (WorkflowsDirectory is not null) builder.UseSetting("Workflows:Directory", WorkflowsDirectory);
        if (PostgreSqlConnectionString is not null)
        {
            builder.UseSetting("Database:Provider", "PostgreSql");
            builder.UseSetting("Database:ConnectionString", PostgreSqlConnectionString);
            // A command run on this data folder (create-admin, verify-journal) runs on this host's database.
            BackOfficeProcess.UseDatabase(DataDirectory, PostgreSqlConnectionString);
        }
    }

    public DatabaseOptions Database => Services.GetRequiredService<DatabaseOptions>();

    /// <summary>An API client signed in with a bearer token as the demo user of <paramref name="role"/>.</summary>
    public async Task<HttpClient> ClientAs(string role)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = await TokenFor(client, role.ToLowerInvariant());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A browser-like client signed in through the sign-in form (cookie), as the demo user <paramref name="user"/>.</summary>
    public async Task<HttpClient> CookieClientAs(string user, string password = Password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = user, ["password"] = password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = await FormToken(client),
        }));
        if (login.StatusCode != System.Net.HttpStatusCode.Redirect || login.Headers.Location?.ToString() != "/")
            throw new InvalidOperationException($"Sign-in as {user} failed: {(int)login.StatusCode} {login.Headers.Location}");
        return client;
    }

    /// <summary>The antiforgery token of the sign-in form (its cookie stays in the client), as a browser would post it.</summary>
    public static async Task<string> FormToken(HttpClient client)
    {
        var html = await client.GetStringAsync("/account/login");
        var m = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"");
        if (!m.Success) throw new InvalidOperationException("The sign-in form has no antiforgery token.");
        return System.Net.WebUtility.HtmlDecode(m.Groups[1].Value);
    }

    /// <summary>The header a script sends with cookie-authenticated state changes (X-CSRF-TOKEN), for this cookie client.</summary>
    public static async Task<string> ApiToken(HttpClient cookieClient) =>
        (await cookieClient.GetFromJsonAsync<JsonElement>("/api/auth/antiforgery")).GetProperty("token").GetString()!;

    public static async Task<string> TokenFor(HttpClient client, string userName, string password = Password)
    {
        var response = await client.PostAsJsonAsync("/api/auth/token", new { userName, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    public long Count(string table)
    {
        using var c = Database.OpenConnectionAsync().GetAwaiter().GetResult();
        using var cmd = c.CreateCommand();
        cmd.SetSql($"SELECT COUNT(*) FROM {table}");
        return Convert.ToInt64(cmd.ExecuteScalar()!);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        if (PostgreSqlConnectionString is not null)
        {
            BackOfficeProcess.ForgetDatabase(DataDirectory);
            Workflows.Tests.TestDatabase.DropPostgreSqlDatabase(PostgreSqlConnectionString);
        }
        if (DeleteDataOnDispose) DeleteData();
    }

    public void DeleteData()
    {
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class Json
{
    public static async Task<JsonElement> Body(this HttpResponseMessage r) => await r.Content.ReadFromJsonAsync<JsonElement>();

    public static HttpRequestMessage Post(string url, object? body, string? idempotencyKey = null)
    {
        var m = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) m.Headers.Add("Idempotency-Key", idempotencyKey);
        return m;
    }
}
