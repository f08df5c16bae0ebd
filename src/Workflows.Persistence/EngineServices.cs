using Microsoft.Extensions.DependencyInjection;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Persistence;

/// <summary>Registers the workflow engine on its SQLite store: activities, the JavaScript sandbox, the runtime.</summary>
public static class EngineServices
{
    public static IServiceCollection AddWorkflowEngine(this IServiceCollection services, ActivityRegistry activities)
    {
        services.AddSingleton(activities);
        services.AddSingleton(new JavaScriptSandbox(new JavaScriptLimits()));
        services.AddSingleton<ExpressionEvaluator>();
        services.AddSingleton(new WorkflowRuntimeOptions());
        // The store on the configured provider (on PostgreSQL until now it still opened the SQLite file: found by the test matrix).
        services.AddSingleton<StoreConnections>(sp => sp.GetRequiredService<DatabaseOptions>() is { IsPostgreSql: true } pg
            ? new PostgreSqlConnections(pg)
            : new SqliteConnections(sp.GetRequiredService<DatabaseOptions>()));
        services.AddSingleton<Tasks.TaskChangeFeed>();
        services.AddSingleton<Tasks.ITaskChangeFeed>(sp => sp.GetRequiredService<Tasks.TaskChangeFeed>());
        services.AddSingleton<WorkflowStore>();
        services.AddSingleton<IWorkflowStore>(sp => sp.GetRequiredService<WorkflowStore>());
        services.AddSingleton<WorkflowRuntime>();
        services.AddSingleton<WorkflowReplayer>();
        return services;
    }
}
