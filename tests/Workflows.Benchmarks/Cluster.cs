using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

/// <summary>
/// N back-office nodes on one PostgreSQL database, as docs/operations.md ("Several nodes on PostgreSQL") runs them: the
/// built Workflows.Web.dll started N times, each with its own empty data folder, Database:Provider=PostgreSql on one fresh
/// database (created through the admin connection string, dropped at the end unless --keep), its own Scheduling:NodeName,
/// the same Identity:HashKey and DataProtection:KeyRingKey and the same provisioned evidence keys (one copy per node, as a secrets volume would be).
/// The nodes start at the same moment, as ThreeNodeTests starts them.
/// </summary>
sealed class Cluster : IAsyncDisposable
{
    public sealed class Node(string name, Process process, Uri baseAddress)
    {
        private readonly StringBuilder _tail = new();
        public string Name { get; } = name;
        public Process Process { get; } = process;
        public Uri BaseAddress { get; } = baseAddress;
        public void Append(string? line)
        {
            if (line is null) return;
            lock (_tail)
            {
                _tail.AppendLine(line);
                if (_tail.Length > 20_000) _tail.Remove(0, _tail.Length - 10_000);
            }
        }
        public string Tail { get { lock (_tail) return _tail.ToString(); } }
        public TimeSpan Cpu { get { Process.Refresh(); return Process.HasExited ? TimeSpan.Zero : Process.TotalProcessorTime; } }
    }

    private readonly string _server;
    private readonly bool _keep;
    public string Root { get; }
    public string Database { get; }
    public string ConnectionString { get; }
    public List<Node> Nodes { get; } = [];

    private Cluster(string server, string database, string root, bool keep)
    {
        _server = server;
        _keep = keep;
        Database = database;
        Root = root;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
    }

    /// <summary>Creates the database and the nodes' folders and keys, starts <paramref name="count"/> nodes at once and waits until each answers.</summary>
    public static async Task<Cluster> StartAsync(string server, int count, string prefix, IReadOnlyDictionary<string, string>? extraWorkflows, bool keep, string[] hostSettings)
    {
        var suffix = Guid.CreateVersion7().ToString("N")[^8..];
        var cluster = new Cluster(server, $"{prefix}_{suffix}", Path.Combine(Path.GetTempPath(), $"wf-{prefix}-{suffix}"), keep);
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {cluster.Database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var workflows = Path.Combine(cluster.Root, "workflows");
        Directory.CreateDirectory(workflows);
        foreach (var f in Directory.GetFiles(Path.Combine(RepositoryRoot, "workflows"), "*.json"))
            File.Copy(f, Path.Combine(workflows, Path.GetFileName(f)));
        foreach (var (name, json) in extraWorkflows ?? new Dictionary<string, string>())
            await File.WriteAllTextAsync(Path.Combine(workflows, name), json);
        cluster.ProvisionEvidenceKeys(count);

        var hashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var keyRingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        for (var i = 1; i <= count; i++)
        {
            var name = $"node-{i}";
            var port = FreePort();
            var bin = Path.Combine(RepositoryRoot, "src", "Workflows.Web", "bin", "Release", "net10.0");
            if (!File.Exists(Path.Combine(bin, "Workflows.Web.dll"))) throw new InvalidOperationException($"Build the host first: dotnet build src/Workflows.Web -c Release ({bin})");
            var info = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["Workflows.Web.dll", "--urls", $"http://127.0.0.1:{port}", "--DataDirectory", Path.Combine(cluster.Root, "data", name),
                         "--Workflows:Directory", workflows, "--Database:Provider", "PostgreSql", "--Database:ConnectionString", cluster.ConnectionString,
                         "--Scheduling:NodeName", name, "--Identity:HashKey", hashKey, "--DataProtection:KeyRingKey", keyRingKey, "--Evidence:KeyDirectory", cluster.KeyDirectory(name), .. hostSettings])
                info.ArgumentList.Add(a);
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            var p = Process.Start(info)!;
            var node = new Node(name, p, new Uri($"http://127.0.0.1:{port}"));
            p.OutputDataReceived += (_, e) => node.Append(e.Data);
            p.ErrorDataReceived += (_, e) => node.Append(e.Data);
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            cluster.Nodes.Add(node);
        }
        try { await Task.WhenAll(cluster.Nodes.Select(WaitUntilUpAsync)); }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>The evidence keys every node shares (docs/operations.md, "Each node needs"), provisioned before the first start.</summary>
    private void ProvisionEvidenceKeys(int count) =>
        Workflows.Tests.NodeSecrets.ProvisionEvidenceKeys([.. Enumerable.Range(1, count).Select(i => KeyDirectory($"node-{i}"))]);

    private string KeyDirectory(string node) => Path.Combine(Root, "secrets", node);

    /// <summary>A client per node for one user (a bearer token from node 1 works on every node: the key ring is shared).</summary>
    public async Task<HttpClient[]> ClientsAsync(string userName, int connectionsPerNode)
    {
        using var first = new HttpClient { BaseAddress = Nodes[0].BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var response = await first.PostAsJsonAsync("/api/auth/token", new { userName, password = "Demo#2026" });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        return Nodes.Select(n =>
        {
            var c = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(connectionsPerNode, 8) * 3, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
                { BaseAddress = n.BaseAddress, Timeout = TimeSpan.FromMinutes(10) }; // a timeout on a loaded machine would hide the answer's status
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return c;
        }).ToArray();
    }

    /// <summary>The CPU time of the first <paramref name="count"/> nodes together (those a measurement sends its load to).</summary>
    public TimeSpan CpuOf(int count) => Nodes.Take(count).Aggregate(TimeSpan.Zero, (s, n) => s + n.Cpu);

    /// <summary>
    /// Warm-up until the JIT has tiered up on every node: at least <paramref name="seconds"/> and at least
    /// <paramref name="count"/> operations (at most five minutes), in closed-loop slices of 5 s.
    /// </summary>
    public static async Task WarmUpAsync(double seconds, double count, Func<double, Task<Run>> slice, string unit)
    {
        var clock = Stopwatch.StartNew();
        long done = 0;
        while (clock.Elapsed.TotalSeconds < seconds || (done < count && clock.Elapsed.TotalMinutes < 5))
        {
            var r = await slice(5);
            done += r.Count;
            Console.WriteLine($"  warm-up: {r.Rate:F0} {unit}/s, errors {r.Errors}, nodes' CPU {r.CpuMs:F2} ms each");
        }
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var c = new NpgsqlConnection(ConnectionString);
        await c.OpenAsync();
        return c;
    }

    /// <summary>One number from SQL written as the product writes it (PascalCase names unquoted), quoted by the product's dialect.</summary>
    public async Task<long> CountAsync(string sql)
    {
        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand(Workflows.Persistence.PostgreSqlDialect.Instance.Sql(sql), c) { CommandTimeout = 600 };
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>The first column of every row, as strings.</summary>
    public async Task<List<string>> StringsAsync(string sql)
    {
        await using var c = await OpenAsync();
        await using var cmd = new NpgsqlCommand(Workflows.Persistence.PostgreSqlDialect.Instance.Sql(sql), c) { CommandTimeout = 600 };
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }

    /// <summary>SIGTERM to every node (as systemctl stop: requests finish, the access trail is flushed), then waits.</summary>
    public void StopGracefully()
    {
        foreach (var n in Nodes)
            if (!n.Process.HasExited && (OperatingSystem.IsWindows() || kill(n.Process.Id, 15) != 0)) n.Process.Kill(entireProcessTree: true);
        foreach (var n in Nodes)
            if (!n.Process.WaitForExit(60_000)) n.Process.Kill(entireProcessTree: true);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in Nodes)
        {
            try { if (!n.Process.HasExited) { n.Process.Kill(entireProcessTree: true); n.Process.WaitForExit(10_000); } }
            catch (InvalidOperationException) { }
            n.Process.Dispose();
        }
        NpgsqlConnection.ClearAllPools();
        if (!_keep)
        {
            try
            {
                await using var admin = new NpgsqlConnection(_server);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException e) { Console.Error.WriteLine($"could not drop {Database}: {e.Message}"); }
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        else Console.WriteLine($"kept: database {Database}, folders {Root}");
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

    public static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    /// <summary>The server's settings that decide what a commit costs, printed next to the figures.</summary>
    public static async Task<string> ServerSettingsAsync(string server)
    {
        await using var c = new NpgsqlConnection(server);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes'), current_setting('shared_buffers'), current_setting('max_connections')", c);
        await using var r = await cmd.ExecuteReaderAsync();
        await r.ReadAsync();
        return $"PostgreSQL {r.GetString(0)}, fsync={r.GetString(1)}, synchronous_commit={r.GetString(2)}, full_page_writes={r.GetString(3)}, shared_buffers={r.GetString(4)}, max_connections={r.GetString(5)}";
    }

    private static async Task WaitUntilUpAsync(Node node)
    {
        using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            if (node.Process.HasExited) throw new InvalidOperationException($"{node.Name} exited during start:\n{node.Tail}");
            try
            {
                if ((await http.GetAsync("/account/login")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{node.Name} did not answer within 5 minutes:\n{node.Tail}");
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Latency percentiles and a rate from one measurement.</summary>
    public sealed record Run(double Rate, double P50, double P99, int Errors, double Elapsed, long Count, double CpuMs)
    {
        public static Run Of(IReadOnlyCollection<double> latencies, double elapsed, int errors, double cpuMsTotal)
        {
            var sorted = latencies.Order().ToArray();
            double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
            return new Run(sorted.Length / elapsed, P(0.50), P(0.99), errors, elapsed, sorted.Length, sorted.Length == 0 ? double.NaN : cpuMsTotal / sorted.Length);
        }
    }
}
