using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
        services.TryAddSingleton<StoreConnections>(sp => new SqliteConnections(sp.GetRequiredService<DatabaseOptions>()));
        services.AddSingleton<Tasks.TaskChangeFeed>();
        services.AddSingleton<Tasks.ITaskChangeFeed>(sp => sp.GetRequiredService<Tasks.TaskChangeFeed>());
        services.AddSingleton<WorkflowStore>();
        services.AddSingleton<IWorkflowStore>(sp => sp.GetRequiredService<WorkflowStore>());
        services.AddSingleton<WorkflowRuntime>();
        services.AddSingleton<WorkflowReplayer>();
        return services;
    }

    /// <summary>
    /// Puts the workflow store (and every <see cref="StoreConnections"/> user: tasks, outbox, access trail, domain
    /// effects) on PostgreSQL instead of the SQLite file; call it when <c>Database:Provider</c> is PostgreSql, before or
    /// after <see cref="AddWorkflowEngine"/>.
    /// </summary>
    public static IServiceCollection AddPostgreSqlStore(this IServiceCollection services, string connectionString)
    {
        services.Replace(ServiceDescriptor.Singleton<StoreConnections>(_ => new PostgreSqlConnections(connectionString)));
        return services;
    }
}
