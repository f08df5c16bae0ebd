using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quartz;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>Registers the schedulers: Quartz (time), Hangfire (work), the outbox between them and the workflow-timer handler.</summary>
public static class SchedulingServices
{
    public static IServiceCollection AddScheduling(this IServiceCollection services, IConfiguration config, DatabaseOptions database)
    {
        var options = config.GetSection("Scheduling").Get<SchedulingOptions>() ?? new SchedulingOptions();
        if (options.UsesPostgreSql && string.IsNullOrWhiteSpace(options.PostgreSqlConnectionString))
            throw new InvalidOperationException("Scheduling:Store is PostgreSql but Scheduling:PostgreSqlConnectionString is empty.");
        services.AddSingleton(Options.Create(options));

        services.AddSingleton<ScheduledWorkStore>();
        services.AddSingleton<WorkDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkDispatcher>());
        services.AddSingleton<IStepCommitObserver, ScheduleOnCommit>();
        services.AddTransient<WorkRunner>();
        services.AddTransient<DueWorkJob>();
        services.AddTransient<MonthlySummaryJob>();
        services.AddSingleton<IScheduledWorkHandler, ResumeTimer>();

        services.AddQuartz(q =>
        {
            
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "workflows";
                s.IdleWaitTime = options.QuartzIdleWait;
                if (options.UsesPostgreSql) s.InstanceId = options.NodeName;
            });
            q.UseDefaultThreadPool(options.QuartzThreads);
            q.UsePersistentStore(store =>
            {
                store.ProvisionSchema();
                store.ConfigureStore(o => o.StoreJobDataAsStrings = true);
                if (options.UsesPostgreSql)
                {
                    store.UsePostgres(options.PostgreSqlConnectionString!);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = TimeSpan.FromSeconds(5);
                        c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                    });
                }
                else store.UseSqlite(o =>
                {
                    o.ConnectionString = database.ConnectionString;
                    o.DataSourceFactory = _ => database.DataSource(); // our pragmas (busy_timeout, synchronous) on Quartz's connections too
                });
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);

        services.AddHangfire(h =>
        {
            h.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings();
            if (options.UsesPostgreSql) h.UsePostgreSqlStorage(o => o.UseNpgsqlConnection(options.PostgreSqlConnectionString));
            else h.UseInMemoryStorage();
        });
        services.AddHangfireServer(o =>
        {
            o.WorkerCount = options.Workers;
            o.ServerName = options.NodeName;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        return services;
    }
}
