using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Persistence;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Tests;

/// <summary>
/// The fast HTTP path keeps its promises: the access trail, written in batches through the single writer, still holds
/// every request with the status the client got, also after a graceful stop; the batch writer drains its queue on stop and
/// never drops a row; and an application is answered from its commit exactly as it is stored.
/// </summary>
public sealed class HttpPathTests
{
    [Fact]
    public async Task Every_request_is_in_the_access_trail_with_the_status_the_client_got_after_a_graceful_stop()
    {
        var data = Path.Combine(Path.GetTempPath(), "wf-trail-" + Guid.NewGuid().ToString("N")[..8]);
        var sent = new ConcurrentDictionary<(string Method, string Path, int Status), int>();
        {
            using var host = await BackOfficeProcess.StartAsync(data);
            using var anonymous = new HttpClient { BaseAddress = host.BaseAddress };
            using var member = new HttpClient { BaseAddress = host.BaseAddress };
            member.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(member, "member"));

            // Many requests at once, of every outcome: created, refused as bad input (raised), not found (raised),
            // unauthenticated, forbidden by policy.
            var requests = new List<Func<Task>>();
            void Add(HttpClient client, HttpMethod method, string path, object? body = null) => requests.Add(async () =>
            {
                using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
                using var response = await client.SendAsync(request);
                sent.AddOrUpdate((method.Method, path, (int)response.StatusCode), 1, (_, n) => n + 1);
            });
            for (var i = 0; i < 40; i++)
                Add(member, HttpMethod.Post, "/api/me/applications", new { serviceCode = "jd-drug-consultation", policyNumber = "DEMO-JD-0001", details = new { drug = "可瑞达" } });
            for (var i = 0; i < 10; i++)
            {
                Add(member, HttpMethod.Post, "/api/me/applications", new { serviceCode = "no-such-service", policyNumber = "DEMO-JD-0001" });
                Add(member, HttpMethod.Post, "/api/me/applications", new { serviceCode = "jd-drug-consultation", policyNumber = "NO-SUCH-POLICY" });
                Add(anonymous, HttpMethod.Post, "/api/me/applications", new { serviceCode = "jd-drug-consultation", policyNumber = "DEMO-JD-0001" });
                Add(member, HttpMethod.Get, "/api/workflow-instances");
                Add(member, HttpMethod.Get, "/api/me/applications");
            }
            await Parallel.ForEachAsync(requests.OrderBy(_ => Random.Shared.Next()), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (r, _) => await r());

            Assert.True(host.StopGracefully(TimeSpan.FromSeconds(60)), "the host did not stop within a minute of SIGTERM");
        }

        // Every status the test expects was really produced, so the comparison below covers each kind of outcome.
        Assert.Equal([200, 201, 400, 401, 403, 404], sent.Keys.Select(k => k.Status).Distinct().Order());
        var recorded = new Dictionary<(string, string, int), int>();
        using (var c = new SqliteConnection($"Data Source={Path.Combine(data, "backoffice.db")};Mode=ReadOnly;Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                SELECT Method, Path, StatusCode, COUNT(*) FROM AccessLog
                WHERE Path IN ('/api/me/applications', '/api/workflow-instances') GROUP BY Method, Path, StatusCode
                """;
            using var r = cmd.ExecuteReader();
            while (r.Read()) recorded[(r.GetString(0), r.GetString(1), r.GetInt32(2))] = r.GetInt32(3);
        }
        Assert.Equal(sent.OrderBy(kv => kv.Key.ToString()).Select(kv => $"{kv.Key}: {kv.Value}"),
            recorded.OrderBy(kv => kv.Key.ToString()).Select(kv => $"{kv.Key}: {kv.Value}"));
        Assert.Equal(90, recorded.Values.Sum());
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_batch_writer_drains_its_queue_on_stop_and_writes_what_comes_after()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wf-trailw-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var db = new DatabaseOptions { Path = Path.Combine(dir, "trail.db") };
        db.EnsureWal();
        var options = new DbContextOptionsBuilder<WorkflowsDbContext>();
        db.Configure(options);
        using (var ctx = new WorkflowsDbContext(options.Options)) ctx.Database.Migrate();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "u1"), new Claim(ClaimTypes.Name, "member"), new Claim(ClaimTypes.Role, "Member")], "test"));
        using (var connections = new SqliteConnections(db))
        {
            var writer = new AccessTrailWriter(connections, NullLogger<AccessTrailWriter>.Instance);
            await writer.StartAsync(CancellationToken.None);
            // 3,000 rows queued at once (more than a batch), none awaited before the stop: the stop writes them all.
            var pending = Enumerable.Range(0, 3000)
                .Select(i => writer.RecordAsync(AccessEntry.For(user, DateTimeOffset.UtcNow, "GET", $"/api/x/{i}", 200 + i % 3, null, null))).ToList();
            await writer.StopAsync(CancellationToken.None);
            Assert.Equal(3000L, Count(db));
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30)); // each caller learns its row was committed
            // A request that ends after the stop is still recorded (on its own).
            await writer.RecordAsync(AccessEntry.For(user, DateTimeOffset.UtcNow, "POST", "/api/late", 201, null, new string('x', 600)));
        }
        using var c = db.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*), COUNT(DISTINCT Path), SUM(StatusCode = 201), MAX(length(Detail)), MIN(UserName), MIN(Roles) FROM AccessLog";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(3001, r.GetInt64(0));
        Assert.Equal(3001, r.GetInt64(1));
        Assert.Equal(1000 + 1, r.GetInt64(2));
        Assert.Equal(500, r.GetInt64(3)); // details are cut at 500 characters, as before
        Assert.Equal("member", r.GetString(4));
        Assert.Equal("Member", r.GetString(5));
        r.Close();
        c.Close();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private static long Count(DatabaseOptions db)
    {
        using var c = db.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM AccessLog";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task An_application_is_answered_from_its_commit_exactly_as_it_is_stored()
    {
        using var factory = new BackOfficeFactory();
        var member = await factory.ClientAs("Member");
        var cases = new object[]
        {
            new { serviceCode = "jd-drug-consultation", policyNumber = "DEMO-JD-0001", details = new { drug = "可瑞达" } },              // accepted: a task opens
            new { serviceCode = "jd-green-channel", policyNumber = "DEMO-JD-0001", details = new { hospital = "复旦大学附属肿瘤医院" } }, // refused: review result not accepted
            new { serviceCode = "cpic-mdt-consultation", policyNumber = "DEMO-CPIC-0001", details = new { city = "北京" } }, // a quota service: one use reserved
        };
        var statuses = new List<string>();
        foreach (var body in cases)
        {
            var created = await member.PostAsJsonAsync("/api/me/applications", body);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var answer = await created.Content.ReadAsStringAsync();
            var id = JsonDocument.Parse(answer).RootElement.GetProperty("id").GetString();
            var stored = await member.GetStringAsync($"/api/me/applications/{id}");
            Assert.Equal(stored, answer);
            statuses.Add(JsonDocument.Parse(answer).RootElement.GetProperty("status").GetString()!);
            Assert.True(JsonDocument.Parse(answer).RootElement.GetProperty("timeline").GetArrayLength() >= 2, answer);
        }
        Assert.Contains("Accepted", statuses);
        Assert.Contains("Refused", statuses);

        // A replay (same key, same request) answers with the application as it is now, read from the database.
        using var again = new HttpRequestMessage(HttpMethod.Post, "/api/me/applications") { Content = JsonContent.Create(cases[0]) };
        again.Headers.Add("Idempotency-Key", "replay-1");
        var first = await (await member.SendAsync(again)).Content.ReadAsStringAsync();
        using var retry = new HttpRequestMessage(HttpMethod.Post, "/api/me/applications") { Content = JsonContent.Create(cases[0]) };
        retry.Headers.Add("Idempotency-Key", "replay-1");
        var second = await (await member.SendAsync(retry)).Content.ReadAsStringAsync();
        Assert.Equal(first, second);
    }
}
