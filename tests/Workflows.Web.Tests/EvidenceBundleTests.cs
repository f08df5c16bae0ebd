using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Persistence.Evidence;

namespace Workflows.Web.Tests;

/// <summary>
/// A case's signed evidence bundle verifies offline (the verify-bundle command, no database) and fails after any one
/// byte changes; the auditor's reads are in the case's access trail; the state at an earlier entry is what it was then;
/// legal holds are recorded with who and why and are never deleted.
/// </summary>
public sealed class EvidenceBundleTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private async Task<(string Id, JsonElement Started)> RunAnInstanceAsync()
    {
        var cm = await factory.ClientAs("CaseManager");
        var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }))).Body();
        var specialist = await factory.ClientAs("Specialist");
        (await specialist.SendAsync(Json.Post($"/api/tasks/{started.GetProperty("bookmarks")[0].GetProperty("id").GetString()}/complete", new { outcome = "Reached" },
            Guid.NewGuid().ToString()))).EnsureSuccessStatusCode();
        return (started.GetProperty("instanceId").GetString()!, started);
    }

    [Fact]
    public async Task A_bundle_verifies_offline_and_fails_after_one_byte_changes()
    {
        var (id, _) = await RunAnInstanceAsync();
        var auditor = await factory.ClientAs("Auditor");
        (await auditor.PostAsync("/api/evidence/checkpoints", null)).EnsureSuccessStatusCode();
        (await auditor.GetAsync($"/api/workflow-instances/{id}/audit")).EnsureSuccessStatusCode();
        var response = await auditor.GetAsync($"/api/workflow-instances/{id}/evidence-bundle");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var path = Path.Combine(factory.DataDirectory, $"{id}.bundle");
        await File.WriteAllBytesAsync(path, bytes);

        var content = JsonDocument.Parse(bytes.AsMemory(Array.IndexOf(bytes, (byte)'\n') + 1)).RootElement;
        Assert.Equal(id, content.GetProperty("instance").GetProperty("id").GetString());
        Assert.True(content.GetProperty("verification").GetProperty("isValid").GetBoolean());
        Assert.True(content.GetProperty("journal").GetArrayLength() >= 6);
        Assert.Equal("service-request-template", content.GetProperty("definition").GetProperty("definitionId").GetString());
        Assert.Contains(content.GetProperty("accessTrail").EnumerateArray(), a => a.GetProperty("userName").GetString() == "auditor" && a.GetProperty("path").GetString()!.EndsWith("/audit"));
        Assert.Equal(id, content.GetProperty("checkpoint").GetProperty("head").GetProperty("instanceId").GetString());

        // Offline, as a recipient would: only the bundle and the public key, no database, no journal key.
        var publicKey = Path.Combine(factory.DataDirectory, "evidence-keys", EvidenceKeys.PublicKeyFile);
        var elsewhere = Path.Combine(Path.GetTempPath(), "wf-offline-" + Guid.NewGuid().ToString("N")[..8]);
        var (exit, output) = await BackOfficeProcess.RunCommandAsync("verify-bundle", path, "--public-key", publicKey, "--DataDirectory", elsewhere);
        Assert.True(exit == 0, output);
        Assert.Contains($"VALID   evidence bundle of {id}", output);
        Assert.Contains("OK      checkpoint", output);
        Assert.False(File.Exists(Path.Combine(elsewhere, "backoffice.db")), "verify-bundle must not open a database");

        // With the journal key (the host's key directory) every HMAC is recomputed too.
        var (keyed, keyedOutput) = await BackOfficeProcess.RunCommandAsync("verify-bundle", path, "--DataDirectory", factory.DataDirectory);
        Assert.True(keyed == 0, keyedOutput);
        Assert.Contains("every HMAC recomputed", keyedOutput);

        // One changed byte anywhere (header, journal, access trail, the last byte) fails.
        var pem = await File.ReadAllTextAsync(publicKey);
        Assert.True(EvidenceBundle.Verify(bytes, pem).IsValid);
        for (var at = 0; at < bytes.Length; at += Math.Max(1, bytes.Length / 200))
            Assert.False(EvidenceBundle.Verify(Flip(bytes, at), pem).IsValid, $"a change at byte {at} went unnoticed");
        Assert.False(EvidenceBundle.Verify(Flip(bytes, bytes.Length - 1), pem).IsValid);
        var middle = Array.IndexOf(bytes, (byte)'\n') + bytes.Length / 2 / 2;
        await File.WriteAllBytesAsync(path, Flip(bytes, middle));
        var (tampered, tamperedOutput) = await BackOfficeProcess.RunCommandAsync("verify-bundle", path, "--public-key", publicKey, "--DataDirectory", elsewhere);
        Assert.Equal(2, tampered);
        Assert.Contains("FAILED  signature", tamperedOutput);
        Assert.Contains("INVALID", tamperedOutput);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] = copy[at] == (byte)'0' ? (byte)'1' : (byte)'0';
        return copy;
    }

    [Fact]
    public async Task The_auditor_sees_actors_the_state_at_an_earlier_entry_and_the_access_trail_records_the_reads()
    {
        var (id, _) = await RunAnInstanceAsync();
        var auditor = await factory.ClientAs("Auditor");
        var audit = await (await auditor.GetAsync($"/api/workflow-instances/{id}/audit")).Body();
        var entries = audit.GetProperty("entries").EnumerateArray().ToList();
        Assert.Contains(entries, e => e.GetProperty("actorId").GetString() == "casemanager" && e.GetProperty("actorRole").GetString() == "CaseManager");
        Assert.Contains(entries, e => e.GetProperty("actorId").GetString() == "specialist" && e.GetProperty("eventName").GetString() == "BookmarkResumed");
        Assert.All(entries, e => Assert.Equal(1, e.GetProperty("version").GetInt32()));

        // Right after the task was created it was open; by the last entry it was resumed.
        var created = entries.First(e => e.GetProperty("eventName").GetString() == "BookmarkCreated").GetProperty("sequence").GetInt64();
        var then = await (await auditor.GetAsync($"/api/workflow-instances/{id}/state-at/{created}")).Body();
        Assert.Single(then.GetProperty("openTasks").EnumerateArray());
        Assert.Equal("Running", then.GetProperty("status").GetString());
        var last = entries[^1].GetProperty("sequence").GetInt64();
        var now = await (await auditor.GetAsync($"/api/workflow-instances/{id}/state-at/{last}")).Body();
        Assert.Empty(now.GetProperty("openTasks").EnumerateArray().Where(t => t.GetProperty("createdAtSequence").GetInt64() == created));
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync($"/api/workflow-instances/{id}/state-at/{last + 5}")).StatusCode);

        var trail = await (await auditor.GetAsync($"/api/workflow-instances/{id}/access-trail")).Body();
        Assert.Contains(trail.EnumerateArray(), a => a.GetProperty("userName").GetString() == "auditor" && a.GetProperty("path").GetString()!.EndsWith("/audit"));
        Assert.Contains(trail.EnumerateArray(), a => a.GetProperty("userName").GetString() == "auditor" && a.GetProperty("path").GetString()!.Contains("/state-at/"));
    }

    [Fact]
    public async Task A_legal_hold_is_recorded_refuses_bad_input_and_cannot_be_deleted()
    {
        var (id, _) = await RunAnInstanceAsync();
        var auditor = await factory.ClientAs("Auditor");
        var bad = await auditor.SendAsync(Json.Post("/api/legal-holds", new { subjectKind = "Case", subjectId = id, reason = "" }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("reason", (await bad.Body()).GetProperty("errors").ToString());
        var none = await auditor.SendAsync(Json.Post("/api/legal-holds", new { subjectKind = "Case", subjectId = "no-such-case", reason = "dispute" }));
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);

        var placed = await auditor.SendAsync(Json.Post("/api/legal-holds", new { subjectKind = "Case", subjectId = id, reason = "投诉争议 2026-118" }));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var hold = await placed.Body();
        Assert.Equal("auditor", hold.GetProperty("placedBy").GetString());
        Assert.True(await factory.Services.GetRequiredService<Workflows.Web.Evidence.LegalHolds>().IsHeldAsync("Case", id, default));

        using (var c = factory.Database.OpenSqlite())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "DELETE FROM LegalHolds";
            Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => cmd.ExecuteNonQuery());
        }
        var released = await (await auditor.SendAsync(Json.Post($"/api/legal-holds/{hold.GetProperty("id").GetString()}/release", new { reason = "争议已结案" }))).Body();
        Assert.Equal("auditor", released.GetProperty("releasedBy").GetString());
        Assert.False(await factory.Services.GetRequiredService<Workflows.Web.Evidence.LegalHolds>().IsHeldAsync("Case", id, default));
        var list = await (await auditor.GetAsync($"/api/legal-holds?subjectId={id}")).Body();
        Assert.Single(list.EnumerateArray()); // released, still there
    }
}
