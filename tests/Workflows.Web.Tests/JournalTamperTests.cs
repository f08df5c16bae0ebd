using System.Text.Json;

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
        using var c = factory.Database.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$i", instanceId);
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
        Sql("UPDATE JournalEntries SET ActorId = 'someone-else' WHERE InstanceId = $i AND Sequence = 4", id);
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
        Sql("DELETE FROM JournalEntries WHERE InstanceId = $i AND Sequence = 2", middle);
        Sql("DELETE FROM JournalEntries WHERE InstanceId = $i AND Sequence = (SELECT MAX(Sequence) FROM JournalEntries WHERE InstanceId = $i)", tail);
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
        Sql("UPDATE JournalEntries SET PayloadJson = '{\"outcome\":\"NoShow\"}' WHERE InstanceId = $i AND EventName = 'BookmarkResumed'", id);
        Sql("CREATE TRIGGER JournalEntries_NoUpdate BEFORE UPDATE ON JournalEntries BEGIN SELECT RAISE(ABORT, 'JournalEntries is append-only'); END;", id);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var (exit, output) = await BackOfficeProcess.RunCommandAsync("verify-journal", id, "--DataDirectory", factory.DataDirectory);

        Assert.Equal(2, exit);
        Assert.Matches($"BROKEN  {id}  at entry \\d+: Entry \\d+ \\(BookmarkResumed\\) was altered", output);
    }
}
