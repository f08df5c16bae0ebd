using Workflows.Engine.Activities;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Engine.Tests;

/// <summary>
/// A real engine on a real SQLite file (WAL, migrated schema) in a temp folder, with a fake clock; in the PostgreSQL leg of
/// the test matrix (TEST_DATABASE_PROVIDER=PostgreSql) on a database of its own, created here and dropped on dispose.
/// </summary>
public sealed class EngineHarness : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "wf-engine-" + Guid.NewGuid().ToString("N")[..8]);
    public DatabaseOptions Db { get; }
    public WorkflowStore Store { get; }
    public StoreConnections Connections { get; private set; } = null!;
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 3, 2, 1, 0, 0, TimeSpan.Zero));
    public ActivityRegistry Registry { get; }
    public ExpressionEvaluator Evaluator { get; }
    public WorkflowRuntime Runtime { get; private set; }
    public static readonly Actor Tester = new("tester", "Specialist");
    public static IServiceProvider NoServices => EmptyServices.Instance;

    public EngineHarness(Action<ActivityRegistry>? register = null, JavaScriptLimits? limits = null, WorkflowRuntimeOptions? options = null)
    {
        System.IO.Directory.CreateDirectory(Directory);
        Db = Workflows.Tests.TestDatabase.Fresh(Directory, "engine.db");
        if (!Db.IsPostgreSql) Db.EnsureWal();
        using (var ctx = NewContext()) ctx.Database.Migrate();
        Store = new WorkflowStore(Connections = Db.Backend.CreateConnections(Db)); // the provider's connections, as the host makes them
        Registry = new ActivityRegistry().AddFromAssembly(typeof(ActivityRegistry).Assembly);
        register?.Invoke(Registry);
        Evaluator = new ExpressionEvaluator(new JavaScriptSandbox(limits ?? new JavaScriptLimits()));
        Runtime = NewRuntime(options);
    }

    public WorkflowRuntime NewRuntime(WorkflowRuntimeOptions? options = null) =>
        Runtime = new WorkflowRuntime(Store, Registry, Evaluator, Clock, EmptyServices.Instance, options ?? new WorkflowRuntimeOptions(), NullLogger<WorkflowRuntime>.Instance);

    public WorkflowsDbContext NewContext()
    {
        var b = new DbContextOptionsBuilder<WorkflowsDbContext>();
        Db.Configure(b);
        return new WorkflowsDbContext(b.Options);
    }

    public DefinitionStore Definitions(WorkflowsDbContext ctx) => new(ctx, Runtime, Clock, NullLogger<DefinitionStore>.Instance);

    /// <summary>Saves and publishes a definition; returns the published version.</summary>
    public async Task<WorkflowDefinition> PublishAsync(WorkflowDefinition definition)
    {
        using var ctx = NewContext();
        var store = Definitions(ctx);
        var draft = await store.SaveDraftAsync(definition, Actor.System);
        var (published, _) = await store.PublishAsync(draft.DefinitionId, Actor.System);
        return WorkflowJson.Deserialize(published.Json);
    }

    public Task<StepResult> StartAsync(string definitionId, object? input = null, string? key = null) =>
        Runtime.StartAsync(definitionId, input is null ? null : System.Text.Json.JsonSerializer.SerializeToElement(input), Tester, idempotencyKey: key);

    public Task<StepResult> CompleteAsync(string bookmarkId, string? outcome = null, JsonObject? data = null, string? key = null) =>
        Runtime.ResumeAsync(bookmarkId, new ResumeInput(outcome, data), Tester, key ?? Guid.NewGuid().ToString("N"));

    public async Task<WorkflowInstance> InstanceAsync(string id) => (await Store.LoadInstanceAsync(id))!;

    public async Task<List<string>> EventsAsync(string id) => (await Store.GetJournalAsync(id)).Select(e => e.EventName).ToList();

    public void Dispose()
    {
        Connections.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Workflows.Tests.TestDatabase.Drop(Db);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();
        public object? GetService(Type serviceType) => null;
    }
}
