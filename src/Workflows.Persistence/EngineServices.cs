using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Persistence;

/// <summary>Registers the workflow engine on its store: activities, the JavaScript sandbox, the runtime.</summary>
public static class EngineServices
{
    public static IServiceCollection AddWorkflowEngine(this IServiceCollection services, ActivityRegistry activities)
    {
        services.AddSingleton(activities);
        services.AddSingleton(new JavaScriptSandbox(new JavaScriptLimits()));
        services.AddSingleton<ExpressionEvaluator>();
        services.AddSingleton(new WorkflowRuntimeOptions());
        // The store, and every StoreConnections user (tasks, outbox, access trail, domain effects), on the configured
        // provider (Database:Provider), whose backend (DatabaseBackend.For, the one place that chooses it) makes them.
        services.TryAddSingleton<StoreConnections>(sp => sp.GetRequiredService<DatabaseOptions>() is var db
            ? db.Backend.CreateConnections(db)
            : throw new InvalidOperationException("Register DatabaseOptions before AddWorkflowEngine."));
        services.AddSingleton<Tasks.TaskChangeFeed>();
        services.AddSingleton<Tasks.ITaskChangeFeed>(sp => sp.GetRequiredService<Tasks.TaskChangeFeed>());
        services.AddSingleton<WorkflowStore>();
        services.AddSingleton<IWorkflowStore>(sp => sp.GetRequiredService<WorkflowStore>());
        services.AddSingleton<WorkflowRuntime>();
        services.AddSingleton<WorkflowReplayer>();
        return services;
    }
}
