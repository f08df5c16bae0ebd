using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>Edit or delete journal rows directly in the SQLite file (as someone with file access could): verification names the broken entry.</summary>
public sealed class JournalTamperTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private async Task<string> RunAnInstanceAsync()
    {
        var cm = await factory.ClientAs("CaseManager");
        var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }))).Body();
        var specialist = await factory.ClientAs("Specialist");
        await specialist.SendAsync(Json.Post($"/api/tasks/{started.GetProperty("bookmarks")[0].GetProperty("id").GetString()}/complete", new { outcome = "Reached" }, Guid.NewGuid().ToString()));
        return started.GetProperty("instanceId").GetString()!;
    }

    private void Sql(string sql, string instanceId)
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("@i", instanceId);
        cmd.ExecuteNonQuery();
    }

    private async Task<JsonElement> VerifyAsync(string instanceId) =>
        await (await (await factory.ClientAs("Auditor")).GetAsync($"/api/workflow-instances/{instanceId}/journal/verify")).Body();

    [Fact]
    public async Task An_edited_entry_is_named_by_verification()
    {
        var id = await RunAnInstanceAsync();
        Assert.True((await VerifyAsync(id)).GetProperty("isValid").GetBoolean());

        Sql("DROP TRIGGER JournalEntries_NoUpdate", id);
        Sql("UPDATE JournalEntries SET ActorId = 'someone-else' WHERE InstanceId = @i AND Sequence = 4", id);
        Sql("CREATE TRIGGER JournalEntries_NoUpdate BEFORE UPDATE ON JournalEntries BEGIN SELECT RAISE(ABORT, 'JournalEntries is append-only'); END;", id);

        var result = await VerifyAsync(id);
        Assert.False(result.GetProperty("isValid").GetBoolean());
        Assert.Equal(4, result.GetProperty("brokenSequence").GetInt64());
        Assert.Contains("Entry 4", result.GetProperty("reason").GetString());
        Assert.Contains("altered", result.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_deleted_entry_and_a_truncated_tail_are_detected()
    {
        var middle = await RunAnInstanceAsync();
        var tail = await RunAnInstanceAsync();
        Sql("DROP TRIGGER JournalEntries_NoDelete", middle);
        Sql("DELETE FROM JournalEntries WHERE InstanceId = @i AND Sequence = 2", middle);
        Sql("DELETE FROM JournalEntries WHERE InstanceId = @i AND Sequence = (SELECT MAX(Sequence) FROM JournalEntries WHERE InstanceId = @i)", tail);
        Sql("CREATE TRIGGER JournalEntries_NoDelete BEFORE DELETE ON JournalEntries BEGIN SELECT RAISE(ABORT, 'JournalEntries is append-only'); END;", middle);

        var m = await VerifyAsync(middle);
        Assert.Equal(2, m.GetProperty("brokenSequence").GetInt64());
        Assert.Contains("missing", m.GetProperty("reason").GetString());
        var t = await VerifyAsync(tail);
        Assert.False(t.GetProperty("isValid").GetBoolean());
        Assert.Contains("deleted", t.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_verify_journal_command_names_the_broken_entry_and_fails()
    {
        var id = await RunAnInstanceAsync();
        Sql("DROP TRIGGER JournalEntries_NoUpdate", id);
        Sql("UPDATE JournalEntries SET PayloadJson = '{\"outcome\":\"NoShow\"}' WHERE InstanceId = @i AND EventName = 'BookmarkResumed'", id);
        Sql("CREATE TRIGGER JournalEntries_NoUpdate BEFORE UPDATE ON JournalEntries BEGIN SELECT RAISE(ABORT, 'JournalEntries is append-only'); END;", id);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var (exit, output) = await BackOfficeProcess.RunCommandAsync("verify-journal", id, "--DataDirectory", factory.DataDirectory);

        Assert.Equal(2, exit);
        Assert.Matches($"BROKEN  {id}  at entry \\d+: Entry \\d+ \\(BookmarkResumed\\) was altered", output);
    }
}

/// <summary>
/// An attacker with the database file but not the evidence key directory: every way of rewriting history is found —
/// edit, delete, reorder, cut the tail and fix the instance row, recompute the whole chain with plain SHA-256 or with a
/// guessed key, delete the whole case, or edit the signed checkpoint.
/// </summary>
public sealed class EvidenceTamperTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private async Task<string> RunAnInstanceAsync()
    {
        var cm = await factory.ClientAs("CaseManager");
        var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }))).Body();
        var specialist = await factory.ClientAs("Specialist");
        await specialist.SendAsync(Json.Post($"/api/tasks/{started.GetProperty("bookmarks")[0].GetProperty("id").GetString()}/complete", new { outcome = "Reached" }, Guid.NewGuid().ToString()));
        return started.GetProperty("instanceId").GetString()!;
    }

    private void Sql(string sql, params (string, object?)[] args)
    {
        using var c = factory.Database.OpenSqlite();
        foreach (var t in new[] { "JournalEntries_NoUpdate", "JournalEntries_NoDelete" })
            Exec(c, $"DROP TRIGGER IF EXISTS {t}");
        Exec(c, sql, args);
        Exec(c, "CREATE TRIGGER JournalEntries_NoUpdate BEFORE UPDATE ON JournalEntries BEGIN SELECT RAISE(ABORT, 'JournalEntries is append-only'); END;");
        Exec(c, "CREATE TRIGGER JournalEntries_NoDelete BEFORE DELETE ON JournalEntries BEGIN SELECT RAISE(ABORT, 'JournalEntries is append-only'); END;");
    }

    private static void Exec(Microsoft.Data.Sqlite.SqliteConnection c, string sql, params (string, object?)[] args)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    private async Task<JsonElement> VerifyAsync(string instanceId) =>
        await (await (await factory.ClientAs("Auditor")).GetAsync($"/api/workflow-instances/{instanceId}/journal/verify")).Body();

    private async Task CheckpointAsync() =>
        (await (await factory.ClientAs("Auditor")).PostAsync("/api/evidence/checkpoints", null)).EnsureSuccessStatusCode();

    private List<Workflows.Engine.Runtime.JournalEntry> Journal(string id) =>
        factory.Services.GetRequiredService<Workflows.Persistence.Stores.WorkflowStore>().GetJournalAsync(id).GetAwaiter().GetResult().ToList();

    [Fact]
    public async Task New_entries_are_keyed_and_an_intact_case_verifies_with_its_checkpoint()
    {
        var id = await RunAnInstanceAsync();
        Assert.All(Journal(id), e => Assert.StartsWith("h1:k1:", e.Hash));
        await CheckpointAsync();
        var v = await VerifyAsync(id);
        Assert.True(v.GetProperty("isValid").GetBoolean(), v.ToString());
        Assert.Equal(Journal(id).Count, v.GetProperty("checkpointedSequence").GetInt64());
    }

    [Fact]
    public async Task Reordered_entries_are_detected()
    {
        var id = await RunAnInstanceAsync();
        Sql("UPDATE JournalEntries SET Sequence = -2 WHERE InstanceId = @i AND Sequence = 2", ("@i", id));
        Sql("UPDATE JournalEntries SET Sequence = 2 WHERE InstanceId = @i AND Sequence = 3", ("@i", id));
        Sql("UPDATE JournalEntries SET Sequence = 3 WHERE InstanceId = @i AND Sequence = -2", ("@i", id));
        var v = await VerifyAsync(id);
        Assert.False(v.GetProperty("isValid").GetBoolean());
        Assert.Equal(2, v.GetProperty("brokenSequence").GetInt64());
        Assert.Contains("does not chain", v.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_truncated_tail_with_the_instance_row_fixed_is_caught_by_the_signed_checkpoint()
    {
        var id = await RunAnInstanceAsync();
        await CheckpointAsync();
        var journal = Journal(id);
        var keep = journal[^3];
        Sql("DELETE FROM JournalEntries WHERE InstanceId = @i AND Sequence > @s", ("@i", id), ("@s", keep.Sequence));
        Sql("UPDATE WorkflowInstances SET JournalSequence = @s, LastJournalHash = @h WHERE Id = @i", ("@i", id), ("@s", keep.Sequence), ("@h", keep.Hash));

        var v = await VerifyAsync(id);
        Assert.False(v.GetProperty("isValid").GetBoolean());
        Assert.Equal(keep.Sequence + 1, v.GetProperty("brokenSequence").GetInt64());
        Assert.Contains("signed checkpoint", v.GetProperty("reason").GetString());
        Assert.Contains("deleted", v.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_chain_recomputed_with_plain_sha256_after_an_edit_is_detected()
    {
        var id = await RunAnInstanceAsync();
        var journal = Journal(id);
        var prev = Workflows.Engine.Runtime.JournalChain.GenesisHash;
        foreach (var e in journal)
        {
            var forged = e with { PreviousHash = prev, ActorId = e.Sequence == 4 ? "someone-else" : e.ActorId };
            forged = forged with { Hash = Workflows.Engine.Runtime.JournalChain.ComputeHash(forged) };
            Sql("UPDATE JournalEntries SET ActorId = @a, PreviousHash = @p, Hash = @h WHERE InstanceId = @i AND Sequence = @s",
                ("@a", forged.ActorId), ("@p", forged.PreviousHash), ("@h", forged.Hash), ("@i", id), ("@s", e.Sequence));
            prev = forged.Hash;
        }
        Sql("UPDATE WorkflowInstances SET LastJournalHash = @h WHERE Id = @i", ("@i", id), ("@h", prev));

        var v = await VerifyAsync(id);
        Assert.False(v.GetProperty("isValid").GetBoolean());
        Assert.Equal(1, v.GetProperty("brokenSequence").GetInt64());
        Assert.Contains("recomputed without the key", v.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_chain_recomputed_with_a_guessed_key_is_detected()
    {
        var id = await RunAnInstanceAsync();
        var guessed = new Workflows.Engine.Runtime.JournalKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = new byte[32] });
        var prev = Workflows.Engine.Runtime.JournalChain.GenesisHash;
        foreach (var e in Journal(id))
        {
            var forged = e with { PreviousHash = prev, Message = e.Sequence == 3 ? "forged" : e.Message };
            forged = forged with { Hash = Workflows.Engine.Runtime.JournalChain.ComputeHash(forged, guessed) };
            Sql("UPDATE JournalEntries SET Message = @m, PreviousHash = @p, Hash = @h WHERE InstanceId = @i AND Sequence = @s",
                ("@m", forged.Message), ("@p", forged.PreviousHash), ("@h", forged.Hash), ("@i", id), ("@s", e.Sequence));
            prev = forged.Hash;
        }
        Sql("UPDATE WorkflowInstances SET LastJournalHash = @h WHERE Id = @i", ("@i", id), ("@h", prev));

        var v = await VerifyAsync(id);
        Assert.False(v.GetProperty("isValid").GetBoolean());
        Assert.Equal(1, v.GetProperty("brokenSequence").GetInt64());
        Assert.Contains("altered", v.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_deleted_case_and_an_edited_checkpoint_are_reported()
    {
        var id = await RunAnInstanceAsync();
        await CheckpointAsync();
        Sql("DELETE FROM JournalEntries WHERE InstanceId = @i", ("@i", id));
        Sql("DELETE FROM Bookmarks WHERE InstanceId = @i", ("@i", id));
        Sql("DELETE FROM WorkflowInstances WHERE Id = @i", ("@i", id));
        var verifier = factory.Services.GetRequiredService<Workflows.Persistence.Evidence.JournalVerifier>();
        Assert.Contains(id, await verifier.MissingInstancesAsync());
        var v = await verifier.VerifyAsync(id);
        Assert.False(v.IsValid);
        Assert.Contains("deleted", v.Reason);

        // The checkpoint directory is outside the database; someone who edits a head there breaks its root and signature.
        var dir = factory.Services.GetRequiredService<Workflows.Persistence.Evidence.EvidenceOptions>().CheckpointDirectory;
        var file = Directory.GetFiles(dir, "checkpoint-*.json").Max(StringComparer.Ordinal)!;
        var other = await RunAnInstanceAsync();
        File.WriteAllText(file, File.ReadAllText(file).Replace($"\"instanceId\":\"{id}\"", "\"instanceId\":\"x\""));
        var broken = await VerifyAsync(other);
        Assert.False(broken.GetProperty("isValid").GetBoolean());
        Assert.Contains("checkpoint cannot be trusted", broken.GetProperty("reason").GetString());
        File.Delete(file); // leave the fixture's other tests a trustworthy newest checkpoint
    }
}
