using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Workflows.Web.Tests;

/// <summary>The back office as a real separate process (the built Workflows.Web.dll), so a test can kill it like a crash.</summary>
public sealed class BackOfficeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public string Output { get { lock (_output) return _output.ToString(); } }

    private BackOfficeProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static string WebDirectory
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            return Path.Combine(RepositoryRoot, "src", "Workflows.Web", "bin", configuration, "net10.0");
        }
    }

    public static string RepositoryRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Workflows.sln"))) return d.FullName;
            throw new InvalidOperationException("Workflows.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>How long a start may take: preparing the database took 40 s with the machine's load average at 66 (2 cores shared).</summary>
    private const int StartTimeoutSeconds = 180;

    /// <summary>
    /// Starts the host on a free loopback port and waits until it answers. <paramref name="settings"/> are more
    /// "--Section:Key value" pairs (e.g. the scheduling store of a cluster node).
    /// </summary>
    public static async Task<BackOfficeProcess> StartAsync(string dataDirectory, string? workflowsDirectory = null, IEnumerable<string>? settings = null)
    {
        var port = FreePort();
        var args = new List<string> { "Workflows.Web.dll", "--urls", $"http://127.0.0.1:{port}", "--DataDirectory", dataDirectory, "--Scheduling:QuartzIdleWait", "00:00:01", "--Scheduling:SweepInterval", "00:00:00.500" };
        if (workflowsDirectory is not null) args.AddRange(["--Workflows:Directory", workflowsDirectory]);
        if (settings is not null) args.AddRange(settings);
        args.AddRange(DatabaseSettings(dataDirectory, settings));
        var p = Run(args);
        var host = new BackOfficeProcess(p, port);
        p.OutputDataReceived += (_, e) => { lock (host._output) host._output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (host._output) host._output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(StartTimeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (p.HasExited) throw new InvalidOperationException("The back office exited during start:\n" + host.Output);
            try
            {
                if ((await http.GetAsync("/account/login")).StatusCode == HttpStatusCode.OK) return host;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        host.Kill();
        throw new TimeoutException($"The back office did not answer within {StartTimeoutSeconds} s:\n" + host.Output);
    }

    private static readonly Dictionary<string, string> Databases = new(StringComparer.Ordinal);

    /// <summary>
    /// The PostgreSQL leg of the test matrix: the host started on a data folder gets a database of its own, the same one
    /// every time it starts on that folder (a restart after a crash finds its data), dropped when the test run ends.
    /// Nothing on SQLite, and nothing when the test names its own database (a cluster test).
    /// </summary>
    private static IEnumerable<string> DatabaseSettings(string dataDirectory, IEnumerable<string>? settings)
    {
        if (!Workflows.Tests.TestDatabase.IsPostgreSql || (settings?.Contains("--Database:Provider") ?? false)) return [];
        var key = Path.GetFullPath(dataDirectory);
        string cs;
        lock (Databases)
        {
            if (!Databases.TryGetValue(key, out cs!))
            {
                if (Databases.Count == 0) AppDomain.CurrentDomain.ProcessExit += (_, _) => DropDatabases();
                Databases[key] = cs = Workflows.Tests.TestDatabase.CreatePostgreSqlDatabase();
            }
        }
        return ["--Database:Provider", "PostgreSql", "--Database:ConnectionString", cs];
    }

    /// <summary>
    /// The PostgreSQL leg: a host started on <paramref name="dataDirectory"/> (and a command run on it) uses
    /// <paramref name="connectionString"/>, the database an in-process host (<see cref="BackOfficeFactory"/>) already has
    /// for that folder. The owner drops it (<see cref="ForgetDatabase"/>).
    /// </summary>
    public static void UseDatabase(string dataDirectory, string connectionString)
    {
        lock (Databases) Databases[Path.GetFullPath(dataDirectory)] = connectionString;
    }

    public static void ForgetDatabase(string dataDirectory)
    {
        lock (Databases) Databases.Remove(Path.GetFullPath(dataDirectory));
    }

    /// <summary>
    /// The database of the host started (or to be started) on <paramref name="dataDirectory"/>, for a test's own reads and
    /// writes: its SQLite file, or in the PostgreSQL leg the database <see cref="StartAsync"/> gives that folder.
    /// </summary>
    public static Workflows.Persistence.DatabaseOptions DatabaseFor(string dataDirectory)
    {
        var settings = DatabaseSettings(dataDirectory, null).ToArray();
        return settings.Length == 0
            ? new Workflows.Persistence.DatabaseOptions { Path = Path.Combine(dataDirectory, "backoffice.db") }
            : new Workflows.Persistence.DatabaseOptions { Path = Path.Combine(dataDirectory, "backoffice.db"), Provider = Workflows.Persistence.DatabaseProvider.PostgreSql, PostgreSqlConnectionString = settings[^1] };
    }

    private static void DropDatabases()
    {
        lock (Databases) foreach (var cs in Databases.Values) Workflows.Tests.TestDatabase.DropPostgreSqlDatabase(cs);
    }

    /// <summary>Runs a command of the host (e.g. verify-journal) to completion; returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunCommandAsync(params string[] args)
    {
        var dataDirectory = Array.IndexOf(args, "--DataDirectory") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        if (dataDirectory is not null) args = [.. args, .. DatabaseSettings(dataDirectory, args)];
        var p = Run(["Workflows.Web.dll", .. args]);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return (p.ExitCode, await stdout + await stderr);
    }

    private static Process Run(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = WebDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return Process.Start(psi)!;
    }

    /// <summary>Waits for the process to end by itself (e.g. killed by its own fault injection).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // and its output, read to the end
        return true;
    }

    /// <summary>SIGKILL: no shutdown hooks run, exactly like a crash.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>SIGTERM, as systemctl stop: the host finishes its requests and runs its shutdown hooks. True if it exited in time.</summary>
    public bool StopGracefully(TimeSpan timeout)
    {
        if (_process.HasExited) return true;
        if (kill(_process.Id, 15) != 0) throw new InvalidOperationException($"SIGTERM failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        return _process.WaitForExit(timeout);
    }

    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
