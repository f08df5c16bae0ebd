using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Tasks;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

/// <summary>
/// The staff inbox under load: 100,000 open tasks across the 15 services of the catalogue, worked by 50 users, read through
/// HTTP from the real host process. The tasks are created by the engine (one Health.ServiceTask step each, with the
/// service's subject, a deadline of 30 minutes to 5 working days in one of the three hours calendars, created over the
/// last five days, so some are overdue and some due today); then 40% are assigned to one of the 50 users and 5% escalated
/// by writing those columns of the task rows directly (the rows are what the views read; claiming 40,000 tasks one step at
/// a time would only make the set-up slower). For each inbox view the first page (50, by remaining working time) and the
/// counts are requested 200 times as the demo specialist (after 20 warm-up requests); medians and p95 are printed, with
/// SQLite's EXPLAIN QUERY PLAN of each view.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- inbox [--tasks 100000] [--requests 200] [--out file.md]
/// The host must be built: dotnet build src/Workflows.Web -c Release.
/// </summary>
static class InboxBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var taskCount = (int)Bench.Arg(args, "--tasks", 100_000);
        var requests = (int)Bench.Arg(args, "--requests", 200);
        var outFile = Bench.ArgS(args, "--out", "");
        var dir = Path.Combine(Path.GetTempPath(), "wf-inbox-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var db = new DatabaseOptions { Path = Path.Combine(dir, "backoffice.db") };
        db.EnsureWal();
        var ctxOptions = new DbContextOptionsBuilder<WorkflowsDbContext>();
        db.Configure(ctxOptions);
        using (var ctx = new WorkflowsDbContext(ctxOptions.Options)) ctx.Database.Migrate();

        var clock = new BenchClock();
        var catalogue = ServiceCatalogue.Default;
        var services = catalogue.Services.OrderBy(s => s.Code).ToList();
        var provider = new BenchServices(new InputSubjects());
        var connections = new SqliteConnections(db);
        var store = new WorkflowStore(connections, [], [], new Workflows.Persistence.Tasks.TaskChangeFeed());
        var registry = new ActivityRegistry().AddFromAssembly(typeof(ActivityRegistry).Assembly).AddFromAssembly(typeof(Workflows.Domain.Activities.ServiceTask).Assembly);
        var runtime = new WorkflowRuntime(store, registry, new ExpressionEvaluator(new JavaScriptSandbox(new JavaScriptLimits())), clock, provider,
            new WorkflowRuntimeOptions(), NullLogger<WorkflowRuntime>.Instance);
        using (var ctx = new WorkflowsDbContext(ctxOptions.Options))
        {
            var defs = new DefinitionStore(ctx, runtime, TimeProvider.System, NullLogger<DefinitionStore>.Instance);
            var model = WorkflowJson.Deserialize("""
            {"definitionId":"inbox-bench","name":"Inbox bench: one service task",
             "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
               {"id":"work","type":"Health.ServiceTask","title":{"expression":{"type":"JavaScript","value":"input.title"}},
                "role":{"expression":{"type":"JavaScript","value":"input.role"}},
                "dueWithinMinutes":{"expression":{"type":"JavaScript","value":"input.minutes"}},
                "hours":{"expression":{"type":"JavaScript","value":"input.hours"}}}],
              "connections":[]}}
            """);
            await defs.PublishAsync((await defs.SaveDraftAsync(model, Actor.System)).DefinitionId, Actor.System);
        }

        // 50 users: the demo specialist and case manager (who sign in below) and 48 colleagues.
        var specialists = new[] { "specialist" }.Concat(Enumerable.Range(2, 34).Select(i => $"spec{i:00}")).ToArray();
        var caseManagers = new[] { "casemanager" }.Concat(Enumerable.Range(2, 14).Select(i => $"cm{i:00}")).ToArray();
        string[] hours = ["OfficeDay", "HospitalDay", "Hotline"];
        string[] titles = ["专员致电", "预约", "完成或爽约", "审核材料", "回复咨询"];
        var rng = new Random(20261128);
        var now = DateTimeOffset.UtcNow;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < taskCount; i++)
        {
            var service = services[i % services.Count];
            clock.Now = now - TimeSpan.FromMinutes(rng.Next(0, 5 * 24 * 60));
            var input = JsonSerializer.SerializeToElement(new
            {
                title = titles[rng.Next(titles.Length)], role = rng.Next(10) < 7 ? "Specialist" : "CaseManager", minutes = 30 + rng.Next(0, 5 * 600),
                hours = hours[rng.Next(hours.Length)], service = service.Code, serviceName = service.NameZh, policy = $"P{rng.Next(1, 40_000):000000}",
                member = $"{"张王李赵刘陈杨黄周吴"[rng.Next(10)]}*", applicant = $"member{rng.Next(1, 40_000)}",
            });
            await runtime.StartAsync("inbox-bench", input, Actor.System, correlationId: $"app-{i}");
            if (i % 10_000 == 9_999) Console.WriteLine($"  {i + 1:N0} tasks created ({(i + 1) / sw.Elapsed.TotalSeconds:N0}/s)");
        }
        await using (var raw = new SqliteConnection($"Data Source={db.Path}"))
        {
            await raw.OpenAsync();
            await using var cmd = raw.CreateCommand();
            // 40% assigned (specialist tasks to one of 35 specialists, case-manager tasks to one of 15 case managers); 5% escalated.
            cmd.CommandText = $"""
                UPDATE HumanTasks SET Assignee = CASE CandidateRole
                    WHEN 'Specialist' THEN json_extract('{JsonSerializer.Serialize(specialists)}', '$[' || (abs(random()) % {specialists.Length}) || ']')
                    ELSE json_extract('{JsonSerializer.Serialize(caseManagers)}', '$[' || (abs(random()) % {caseManagers.Length}) || ']') END
                WHERE abs(random()) % 100 < 40;
                UPDATE HumanTasks SET EscalatedTo = 'Supervisor', EscalatedAt = DueKey, Priority = Priority + 1 WHERE DueKey < {now.UtcTicks} AND abs(random()) % 100 < 15;
                """;
            await cmd.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        Console.WriteLine($"{taskCount:N0} open tasks across {services.Count} services and {specialists.Length + caseManagers.Length} users in {sw.Elapsed.TotalSeconds:N0} s");

        var report = new StringBuilder();
        var host = await HostProcess.StartAsync(dir);
        try
        {
            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            var token = await TokenAsync(http, "specialist");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var counts = await http.GetFromJsonAsync<JsonElement>("/api/tasks/counts");
            Console.WriteLine($"counts for 'specialist': {counts}");
            report.AppendLine($"Counts seen by `specialist`: {counts}").AppendLine();
            report.AppendLine("| request (as `specialist`, first page of 50) | median ms | p95 ms |").AppendLine("|---|---:|---:|");
            var urls = new (string Name, string Url)[]
            {
                ("我的任务 Mine", "/api/tasks/inbox?view=Mine"),
                ("待认领 Unclaimed", "/api/tasks/inbox?view=Unclaimed"),
                ("我可处理的 Workable", "/api/tasks/inbox?view=Workable"),
                ("已逾期 Overdue", "/api/tasks/inbox?view=Overdue"),
                ("今日到期 DueToday", "/api/tasks/inbox?view=DueToday"),
                ("counts (all five)", "/api/tasks/counts"),
                ("Workable, sort=Due", "/api/tasks/inbox?view=Workable&sort=Due"),
                ("Workable, sort=Priority", "/api/tasks/inbox?view=Workable&sort=Priority"),
                ("Workable, sort=Created", "/api/tasks/inbox?view=Workable&sort=Created"),
                ("Workable, filter service", $"/api/tasks/inbox?view=Workable&service={services[3].Code}"),
                ("Workable, filter policy number", "/api/tasks/inbox?view=Workable&policyNumber=P012345"),
            };
            foreach (var (name, url) in urls)
            {
                for (var w = 0; w < 20; w++) (await http.GetAsync(url)).EnsureSuccessStatusCode();
                var times = new List<double>();
                for (var r = 0; r < requests; r++)
                {
                    var t = Stopwatch.StartNew();
                    var response = await http.GetAsync(url);
                    await response.Content.ReadAsByteArrayAsync();
                    t.Stop();
                    response.EnsureSuccessStatusCode();
                    times.Add(t.Elapsed.TotalMilliseconds);
                }
                var median = Bench.Median(times);
                var p95 = times.Order().ElementAt((int)Math.Ceiling(0.95 * times.Count) - 1);
                Console.WriteLine($"{name,-34} median {median,7:N1} ms   p95 {p95,7:N1} ms");
                report.AppendLine($"| {name} | {median:N1} | {p95:N1} |");
            }
        }
        finally
        {
            host.Kill();
        }

        // The query plans, from the same SQL the host ran.
        var tasks = new TaskService(new SqliteConnections(db), runtime, BusinessCalendar.Default, TimeProvider.System, new NoUsers(), NullLogger<TaskService>.Instance);
        var caller = new TaskCaller("specialist", ["Specialist"]);
        report.AppendLine().AppendLine("Query plans (EXPLAIN QUERY PLAN, caller `specialist`):").AppendLine();
        foreach (var view in new[] { TaskView.Mine, TaskView.Unclaimed, TaskView.Workable, TaskView.Overdue, TaskView.DueToday })
        {
            report.AppendLine($"{view} (first page, by remaining working time):").AppendLine("```");
            foreach (var line in await tasks.ExplainAsync(caller, new TaskQuery(view))) report.AppendLine(line);
            report.AppendLine("```");
        }
        report.AppendLine("Workable, sort=Due:").AppendLine("```");
        foreach (var line in await tasks.ExplainAsync(caller, new TaskQuery(TaskView.Workable, Sort: TaskSort.Due))) report.AppendLine(line);
        report.AppendLine("```").AppendLine("Counts:").AppendLine("```");
        foreach (var line in await tasks.ExplainAsync(caller, new TaskQuery(), counts: true)) report.AppendLine(line);
        report.AppendLine("```");
        Console.WriteLine(report);
        if (outFile.Length > 0) await File.WriteAllTextAsync(outFile, report.ToString());
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        return 0;
    }

    private static async Task<string> TokenAsync(HttpClient http, string user)
    {
        var r = await http.PostAsJsonAsync("/api/auth/token", new { userName = user, password = "Demo#2026" });
        r.EnsureSuccessStatusCode();
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private sealed class BenchClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>The subject from the bench's input (the domain's own source reads the application and the policy tables).</summary>
    private sealed class InputSubjects : ITaskSubjectSource
    {
        public TaskSubject? Describe(Workflows.Engine.Runtime.ActivityContext c) => c.Input is not { } i ? null
            : new TaskSubject(i["service"]?.ToString(), i["serviceName"]?.ToString(), c.CorrelationId, i["policy"]?.ToString(), i["member"]?.ToString(), i["applicant"]?.ToString());
    }

    private sealed class BenchServices(ITaskSubjectSource subjects) : IServiceProvider
    {
        public object? GetService(Type t) => t == typeof(ITaskSubjectSource) ? subjects : null;
    }

    private sealed class NoUsers : ITaskUserDirectory
    {
        public Task<IReadOnlyCollection<string>?> RolesOfAsync(string userName, CancellationToken ct = default) => Task.FromResult<IReadOnlyCollection<string>?>(null);
    }

    /// <summary>The host as its own process on a free port, on the benchmark's data folder.</summary>
    private sealed class HostProcess
    {
        private Process _p = null!;
        public Uri BaseAddress { get; private set; } = null!;

        public static async Task<HostProcess> StartAsync(string dataDirectory)
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Workflows.sln"))) root = root.Parent;
            var web = Path.Combine(root!.FullName, "src", "Workflows.Web", "bin", "Release", "net10.0");
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = web, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "Workflows.Web.dll", "--urls", $"http://127.0.0.1:{port}", "--DataDirectory", dataDirectory, "--Serilog:MinimumLevel:Default", "Warning" })
                psi.ArgumentList.Add(a);
            psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            var host = new HostProcess { _p = Process.Start(psi)!, BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            host._p.OutputDataReceived += (_, _) => { };
            host._p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
            host._p.BeginOutputReadLine();
            host._p.BeginErrorReadLine();
            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
            for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(250))
            {
                if (host._p.HasExited) throw new InvalidOperationException("The host exited during start.");
                try { if ((await http.GetAsync("/account/login")).IsSuccessStatusCode) return host; }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
            }
            host.Kill();
            throw new TimeoutException("The host did not answer within 120 s.");
        }

        public void Kill()
        {
            try { _p.Kill(entireProcessTree: true); _p.WaitForExit(10_000); } catch (InvalidOperationException) { }
        }
    }
}
