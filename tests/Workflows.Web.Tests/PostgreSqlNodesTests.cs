using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Workflows.Domain;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;
using Xunit.Abstractions;

namespace Workflows.Web.Tests;

/// <summary>
/// The back office on PostgreSQL (Database:Provider = PostgreSql): three real host processes, each with its own empty data
/// folder, started at the same moment on one fresh database, prepare it once (migrations of both contexts, key ring, roles,
/// demo users and policies, reference data, workflows/ import) under the start-up advisory lock; a bearer token issued by
/// one node is accepted by the others (the data-protection key ring is in the database); and the append-only tables refuse
/// changes there as on SQLite.
/// </summary>
[Collection(nameof(MultiNode))]
public sealed class PostgreSqlNodesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wf-pgnodes-" + Guid.NewGuid().ToString("N")[..8]);
    private TestPostgres? _postgres;
    private readonly List<BackOfficeProcess> _nodes = [];

    public async Task InitializeAsync()
    {
        if (TestPostgres.AdminConnectionString is not null) _postgres = await TestPostgres.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes) n.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Task<BackOfficeProcess> StartNode(string name, params string[] more) => BackOfficeProcess.StartAsync(Path.Combine(_root, name),
        Path.Combine(BackOfficeProcess.RepositoryRoot, "workflows"),
    [
        "--Database:Provider", "PostgreSql",
        "--Database:ConnectionString", _postgres!.ConnectionString,
        "--Scheduling:NodeName", name,
        // Shared by every node (docs/operations.md): identity numbers hash to the same look-up key on each.
        "--Identity:HashKey", Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
        "--DataProtection:KeyRingKey", SharedKeyRingKey,
        .. more, // later settings win
    ]);

    /// <summary>The key-ring key every node is given (a secret store's value in production).</summary>
    private static readonly string SharedKeyRingKey = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    private Task<long> Count(string sql) => _postgres!.QueryAsync(Pg(sql), r => r.GetInt64(0)).ContinueWith(t => t.Result.Single());

    /// <summary>Raw SQL as the product writes it (PascalCase names unquoted), quoted for PostgreSQL by the product's dialect.</summary>
    private static string Pg(string sql) => Workflows.Persistence.PostgreSqlDialect.Instance.Sql(sql);

    [PostgresFact]
    public async Task Three_nodes_started_together_on_one_fresh_database_prepare_it_once_and_share_sign_ins()
    {
        var clock = Stopwatch.StartNew();
        Task<BackOfficeProcess>[] starting = [StartNode("node-1"), StartNode("node-2"), StartNode("node-3")];
        try { await Task.WhenAll(starting); }
        finally { _nodes.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result)); }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: three nodes answer");
        var nodes = starting.Select(t => t.Result).ToArray();

        // One schema: each context's migrations applied once, its history in its own table.
        Assert.Equal(1, await Count("SELECT COUNT(*) FROM \"__EFMigrationsHistory\""));
        Assert.Equal(1, await Count($"SELECT COUNT(*) FROM \"{DomainDbContext.HistoryTable}\""));
        // The start-up lock made the nodes take turns: two of them waited for it (logged), none prepared the database twice.
        Assert.Equal(2, nodes.Count(n => n.Output.Contains("Another node holds the start-up lock")));

        // One copy of everything seeded: roles, one demo user per role, the two demo policies, reference data version 1,
        // one version of each workflow file, one data-protection key.
        Assert.Equal(Roles.All.Length, await Count("SELECT COUNT(*) FROM AspNetRoles"));
        Assert.Equal(Roles.All.Length, await Count("SELECT COUNT(*) FROM AspNetUsers"));
        Assert.Equal(0, await Count("SELECT COUNT(*) FROM (SELECT NormalizedUserName FROM AspNetUsers GROUP BY 1 HAVING COUNT(*) > 1) d"));
        Assert.Equal(2, await Count("SELECT COUNT(*) FROM Policies WHERE PolicyNumber LIKE 'DEMO-%'"));
        Assert.Equal(1, await Count("SELECT COUNT(*) FROM RefDataVersions"));
        var files = Directory.GetFiles(Path.Combine(BackOfficeProcess.RepositoryRoot, "workflows"), "*.json").Length;
        Assert.Equal(files, await Count("SELECT COUNT(DISTINCT DefinitionId) FROM WorkflowDefinitions"));
        Assert.Equal(files, await Count("SELECT COUNT(*) FROM WorkflowDefinitions"));
        Assert.Equal(1, await Count("SELECT COUNT(*) FROM DataProtectionKeys"));
        // That key's secret is sealed with the key-ring key, which is not in the database: a dump holds no usable key.
        var keyXml = (await _postgres!.QueryAsync(Pg("SELECT Xml FROM DataProtectionKeys"), r => r.GetString(0))).Single();
        Assert.Contains("<keyRingSealed", keyXml);
        Assert.DoesNotContain("masterKey", keyXml);
        Assert.DoesNotContain(SharedKeyRingKey, keyXml);
        // Tables and columns keep EF's PascalCase names (quoted); the PostgreSQL dialect quotes them in raw SQL.
        Assert.Equal(1, await Count("SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'WorkflowInstances' AND column_name = 'Id'"));
        // Quartz (clustered) and Hangfire are on the same database (Scheduling:Store follows Database:Provider).
        Assert.Equal(["node-1", "node-2", "node-3"], await _postgres!.QueryAsync("SELECT instance_name FROM qrtz_scheduler_state ORDER BY 1", r => r.GetString(0)));
        Assert.Equal(3, await Count("SELECT COUNT(*) FROM hangfire.server"));

        // A bearer token issued by node 1 works on node 2 and node 3; a made-up one does not.
        using var one = new HttpClient { BaseAddress = nodes[0].BaseAddress };
        var token = await BackOfficeFactory.TokenFor(one, "member");
        foreach (var node in nodes)
        {
            using var c = new HttpClient { BaseAddress = node.BaseAddress };
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var me = await c.GetAsync("/api/me");
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            Assert.Equal("member", (await me.Body()).GetProperty("userName").GetString());
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token[..^4] + "AAAA");
            Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/api/me")).StatusCode);
        }
        // The sign-in and the reads are in the access trail, on PostgreSQL.
        Assert.True(await Count("SELECT COUNT(*) FROM AccessLog WHERE Path = '/api/me' AND StatusCode = 200") >= 3);

        // A node that restarts later finds everything prepared and adds nothing.
        nodes[2].Kill();
        _nodes.Add(await StartNode("node-3"));
        Assert.Equal(Roles.All.Length, await Count("SELECT COUNT(*) FROM AspNetUsers"));
        Assert.Equal(files, await Count("SELECT COUNT(*) FROM WorkflowDefinitions"));
        Assert.Equal(1, await Count("SELECT COUNT(*) FROM DataProtectionKeys"));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: restarted node found the database prepared");
    }

    [PostgresFact]
    public async Task A_node_given_another_key_ring_key_refuses_to_start_and_says_why()
    {
        _nodes.Add(await StartNode("node-k1"));
        var other = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)(255 - i)).ToArray());
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartNode("node-k2", "--DataProtection:KeyRingKey", other));
        Assert.Contains("exited during start", refused.Message);
        Assert.Contains("The data-protection key ring was sealed with key-ring key", refused.Message);
        Assert.Contains("Give every node the same DataProtection:KeyRingKey", refused.Message);
        // It made no key of its own beside the shared one; a node with the shared key still starts.
        Assert.Equal(1, await Count("SELECT COUNT(*) FROM DataProtectionKeys"));
        _nodes.Add(await StartNode("node-k3"));
    }

    [PostgresFact]
    public async Task A_member_signs_in_and_applies_through_HTTP_on_a_fresh_PostgreSQL_database()
    {
        var node = await StartNode("node-a");
        _nodes.Add(node);
        using var member = new HttpClient { BaseAddress = node.BaseAddress };
        member.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(member, "member"));
        var applied = await member.PostAsJsonAsync("/api/me/applications",
            new { serviceCode = "cpic-outpatient-green-channel", policyNumber = "DEMO-CPIC-0001", details = new { hospital = "复旦大学附属肿瘤医院" } });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        var id = (await applied.Body()).GetProperty("id").GetString()!;
        // Everything is in PostgreSQL: the application, its instance, journal, task and quota use.
        var instance = (await _postgres!.QueryAsync(Pg($"SELECT InstanceId FROM ServiceApplications WHERE Id = '{id}'"), r => r.GetString(0))).Single();
        Assert.True(await Count($"SELECT COUNT(*) FROM JournalEntries WHERE InstanceId = '{instance}'") > 0);
        Assert.Equal(1, await Count($"SELECT COUNT(*) FROM WorkflowInstances WHERE Id = '{instance}'"));
        Assert.Equal(1, await Count($"SELECT COUNT(*) FROM HumanTasks WHERE InstanceId = '{instance}' AND Status = 'Open'"));
        Assert.Equal(1, await Count($"SELECT COUNT(*) FROM QuotaUses WHERE ApplicationId = '{id}'"));
        // The member reads it back, alone and in their list (the delayed-case check runs on PostgreSQL too).
        var one = await member.GetAsync($"/api/me/applications/{id}");
        Assert.True(one.StatusCode == HttpStatusCode.OK, await one.Content.ReadAsStringAsync());
        Assert.Equal(id, (await one.Body()).GetProperty("id").GetString());
        var list = await member.GetAsync("/api/me/applications");
        Assert.True(list.StatusCode == HttpStatusCode.OK, await list.Content.ReadAsStringAsync());
        Assert.Contains(id, await list.Content.ReadAsStringAsync());
    }

    [PostgresFact]
    public async Task The_journal_and_the_other_append_only_tables_refuse_changes_on_PostgreSQL()
    {
        var database = new DatabaseOptions { Provider = DatabaseProvider.PostgreSql, PostgreSqlConnectionString = _postgres!.ConnectionString };
        var engine = new DbContextOptionsBuilder<WorkflowsDbContext>();
        database.Configure(engine);
        await using (var db = new WorkflowsDbContext(engine.Options))
        {
            await db.Database.MigrateAsync();
            db.Journal.Add(new JournalRecord
            {
                InstanceId = "i1", Sequence = 1, Timestamp = DateTimeOffset.UtcNow, EventName = "WorkflowStarted", DefinitionVersionId = "d1",
                Version = 1, ActorId = "system", ActorRole = "System", PreviousHash = "", Hash = "h1",
            });
            db.AccessLog.Add(new AccessLogRecord { At = DateTimeOffset.UtcNow, UserId = "u1", Roles = "", Method = "GET", Path = "/api/me", StatusCode = 200 });
            await db.SaveChangesAsync();
        }
        var domain = new DbContextOptionsBuilder<DomainDbContext>();
        DomainDbContext.Configure(domain, database);
        await using (var db = new DomainDbContext(domain.Options))
        {
            await db.Database.MigrateAsync();
            await Workflows.Domain.ReferenceData.ReferenceDataStore.EnsureFirstVersionAsync(db, TimeProvider.System, CancellationToken.None);
        }

        await using var c = new NpgsqlConnection(_postgres.ConnectionString);
        await c.OpenAsync();
        async Task Refused(string sql, string message)
        {
            await using var cmd = new NpgsqlCommand(Pg(sql), c);
            var e = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.RestrictViolation, e.SqlState);
            Assert.Contains(message, e.MessageText);
        }
        await Refused("UPDATE JournalEntries SET Hash = 'forged'", "JournalEntries is append-only");
        await Refused("DELETE FROM JournalEntries", "JournalEntries is append-only");
        await Refused("TRUNCATE JournalEntries", "JournalEntries is append-only");
        await Refused("UPDATE AccessLog SET UserId = 'someone else'", "AccessLog is append-only");
        await Refused("DELETE FROM AccessLog", "AccessLog is append-only");
        await Refused("UPDATE RefDataVersions SET Number = 2", "reference data versions are immutable");
        await Refused("DELETE FROM RefDataVersionFiles", "reference data versions are immutable");
        // Nothing changed; appending still works.
        Assert.Equal(["h1"], await _postgres.QueryAsync(Pg("SELECT Hash FROM JournalEntries"), r => r.GetString(0)));
        await using (var insert = new NpgsqlCommand(Pg("INSERT INTO JournalEntries (InstanceId, Sequence, Timestamp, EventName, DefinitionVersionId, " +
                         "Version, ActorId, ActorRole, PreviousHash, Hash) VALUES ('i1', 2, 0, 'X', 'd1', 1, 's', 'S', 'h1', 'h2')"), c))
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        // The partial indexes exist with their filters on the quoted columns.
        var filters = await _postgres.QueryAsync("SELECT indexdef FROM pg_indexes WHERE indexname IN ('IX_Bookmarks_DueTimers', 'IX_ScheduledWork_Open')", r => r.GetString(0));
        Assert.Equal(2, filters.Count);
        Assert.All(filters, f => Assert.Contains("WHERE", f));
    }
}
