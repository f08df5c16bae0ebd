using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Workflows.Web.Tests;

/// <summary>
/// Kills the real back-office process (SIGKILL) in the middle of commands, at named points, and restarts it on the same
/// SQLite file: nothing committed is lost, nothing runs twice, timers still fire once.
/// </summary>
public sealed class CrashRestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "wf-crash-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _workflows;

    public CrashRestartTests()
    {
        _workflows = Path.Combine(_data, "workflows");
        Directory.CreateDirectory(_workflows);
        File.WriteAllText(Path.Combine(_workflows, "crash-loop.json"), """
        {"definitionId":"crash-loop","name":"Crash loop","variables":[{"id":"vn","name":"n","typeName":"Int32","value":0}],
         "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
           {"id":"inc","type":"Elsa.SetVariable","variable":{"expression":{"type":"Literal","value":"n"}},"value":{"expression":{"type":"JavaScript","value":"variables.n + 1"}}},
           {"id":"step","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"Step"}},"outcomes":{"expression":{"type":"Literal","value":"[\"Next\",\"Stop\"]"}}},
           {"id":"end","type":"Elsa.Finish"}],
          "connections":[{"source":{"activity":"inc","port":"Done"},"target":{"activity":"step"}},
                         {"source":{"activity":"step","port":"Next"},"target":{"activity":"inc"}},
                         {"source":{"activity":"step","port":"Stop"},"target":{"activity":"end"}}]}}
        """);
        File.WriteAllText(Path.Combine(_workflows, "crash-timer.json"), """
        {"definitionId":"crash-timer","name":"Crash timer",
         "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
           {"id":"wait","type":"Elsa.Delay","timeSpan":{"expression":{"type":"Literal","value":"PT4S"}}},
           {"id":"after","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"After the timer"}}}],
          "connections":[{"source":{"activity":"wait","port":"Done"},"target":{"activity":"after"}}]}}
        """);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    private async Task<HttpClient> Client(BackOfficeProcess host, string user)
    {
        var c = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    /// <summary>
    /// The process kills itself (SIGKILL) at a named point of the command keyed <c>step-{i}</c> (FaultInjection, a test-only
    /// setting): inside the step's transaction after its writes (nothing committed: the retry runs the step) or after the
    /// commit, before the response (the retry is answered from the idempotency record).
    /// </summary>
    [Fact]
    public async Task Killing_the_process_mid_command_loses_nothing_and_runs_nothing_twice()
    {
        const int steps = 24;
        var killAt = new Dictionary<int, string> { [3] = "before-commit", [9] = "after-commit", [16] = "before-commit", [22] = "after-commit" };
        var retries = new List<(int Step, string Point, bool Replayed)>();
        var host = await BackOfficeProcess.StartAsync(_data, _workflows);
        try
        {
            var cm = await Client(host, "casemanager");
            var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "crash-loop" }, "start-loop"))).Body();
            var timer = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "crash-timer" }, "start-timer"))).Body();
            var instanceId = started.GetProperty("instanceId").GetString()!;
            var bookmark = started.GetProperty("bookmarks")[0].GetProperty("id").GetString()!;
            var specialist = await Client(host, "specialist");

            for (var i = 1; i <= steps + 1; i++)
            {
                var outcome = i <= steps ? "Next" : "Stop";
                var key = $"step-{i}";
                JsonElement result;
                if (killAt.TryGetValue(i, out var point))
                {
                    // A host that dies at the named point of this command.
                    host.Dispose();
                    host = await BackOfficeProcess.StartAsync(_data, _workflows,
                        ["--environment", "Acceptance", "--FaultInjection:KillAt", point, "--FaultInjection:KillOnKey", key]);
                    specialist = await Client(host, "specialist");
                    HttpResponseMessage? answered = null;
                    try { answered = await specialist.SendAsync(Json.Post($"/api/tasks/{bookmark}/complete", new { outcome }, key)); }
                    catch (HttpRequestException) { }
                    catch (TaskCanceledException) { }
                    Assert.True(answered is null, $"step {i}: the host answered {(int?)answered?.StatusCode} instead of dying at {point}");
                    Assert.True(host.WaitForExit(TimeSpan.FromSeconds(10)), $"step {i}: the host did not die at {point}");
                    Assert.Contains($"killing the process at {point} of the command keyed '{key}'", host.Output);
                    host.Dispose();
                    host = await BackOfficeProcess.StartAsync(_data, _workflows);
                    specialist = await Client(host, "specialist");
                    // The client does not know whether its command was applied: it retries with the same key.
                    var retry = await specialist.SendAsync(Json.Post($"/api/tasks/{bookmark}/complete", new { outcome }, key));
                    Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
                    result = await retry.Body();
                    var replayed = result.TryGetProperty("replayed", out var rp) && rp.GetBoolean();
                    retries.Add((i, point, replayed));
                    // Killed before COMMIT nothing was stored, so the retry runs the step; killed after it, the retry is answered from its record.
                    Assert.True(replayed == (point == "after-commit"), $"step {i}, killed at {point}: the retry said replayed={replayed}");
                }
                else
                {
                    var r = await specialist.SendAsync(Json.Post($"/api/tasks/{bookmark}/complete", new { outcome }, key));
                    Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                    result = await r.Body();
                }
                if (i <= steps) bookmark = result.GetProperty("bookmarks")[0].GetProperty("id").GetString()!;
                else Assert.Equal("Finished", result.GetProperty("status").GetString());
            }
            // Both kinds of retry happened.
            Assert.Contains(retries, r => !r.Replayed);
            Assert.Contains(retries, r => r.Replayed);

            var auditor = await Client(host, "auditor");
            var journal = await (await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal")).Body();
            var events = journal.EnumerateArray().Select(e => e.GetProperty("eventName").GetString()).ToList();
            Assert.Equal(steps + 1, events.Count(e => e == "BookmarkResumed"));                    // no step lost, none twice
            Assert.Equal(steps + 1, events.Count(e => e == "BookmarkCreated"));
            Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), journal.EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
            Assert.True((await (await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal/verify")).Body()).GetProperty("isValid").GetBoolean());
            var admin = await Client(host, "admin");
            var detail = await (await admin.GetAsync($"/api/workflow-instances/{instanceId}")).Body();
            Assert.Equal(steps + 1, detail.GetProperty("variables").GetProperty("n").GetInt32());

            // The timer instance (4 s) was pending through the crashes; it fires exactly once.
            var timerId = timer.GetProperty("instanceId").GetString()!;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonElement timerState;
            do
            {
                await Task.Delay(250);
                timerState = await (await admin.GetAsync($"/api/workflow-instances/{timerId}")).Body();
            } while (timerState.GetProperty("bookmarks")[0].GetProperty("kind").GetString() == "Timer" && DateTime.UtcNow < deadline);
            Assert.Equal("after", timerState.GetProperty("bookmarks")[0].GetProperty("activityId").GetString());
            var timerJournal = await (await auditor.GetAsync($"/api/workflow-instances/{timerId}/journal")).Body();
            Assert.Single(timerJournal.EnumerateArray(), e => e.GetProperty("eventName").GetString() == "BookmarkResumed");
        }
        finally
        {
            host.Dispose();
        }

        var (exit, output) = await BackOfficeProcess.RunCommandAsync("verify-journal", "--all", "--DataDirectory", _data);
        Assert.True(exit == 0, output);
        Assert.Contains("2 intact, 0 broken", output);
    }
}
