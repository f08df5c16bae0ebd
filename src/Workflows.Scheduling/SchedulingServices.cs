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
        // Bound once here (Quartz and Hangfire are configured from it) and checked before anything uses it.
        var options = config.GetSection("Scheduling").Get<SchedulingOptions>() ?? new SchedulingOptions();
        // On a PostgreSQL back office, Quartz (clustered) and Hangfire are on PostgreSQL too: the same database as
        // everything else unless Scheduling:PostgreSqlConnectionString names another (docs/operations.md).
        // Workers not configured: the provider's default (more resumes in flight on PostgreSQL, where each statement is a round trip).
        if (config.GetSection("Scheduling")[nameof(SchedulingOptions.Workers)] is null) options.Workers = SchedulingOptions.DefaultWorkers(database.IsPostgreSql);
        if (database.IsPostgreSql)
        {
            options.Store = "PostgreSql";
            if (string.IsNullOrWhiteSpace(options.PostgreSqlConnectionString)) options.PostgreSqlConnectionString = database.RequirePostgreSql();
        }
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true))
            throw new OptionsValidationException("Scheduling", typeof(SchedulingOptions), errors.Select(e => e.ErrorMessage ?? "Scheduling"));
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
        services.AddSingleton<ResumeTimer>();
        services.AddSingleton<IScheduledWorkHandler>(sp => sp.GetRequiredService<ResumeTimer>());

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
                store.ConfigureStore(o =>
                {
                    o.StoreJobDataAsStrings = true;
                    // A trigger found late (after downtime, or a backlog of many due at once) by up to 45 days is not "misfired"
                    // but simply due: it fires at once through the normal acquisition, oldest first. With Quartz's default of
                    // 60 s, a backlog bigger than a minute's firing was left to the misfire handler, which re-times a few at a
                    // time (measured: ~25/s instead of ~250/s). Later than 45 days the misfire handler fires it within 30 s.
                    o.MisfireThreshold = TimeSpan.FromDays(45);
                    o.MisfireHandlerFrequency = TimeSpan.FromSeconds(30);
                });
                if (options.UsesPostgreSql)
                {
                    store.UsePostgres(options.PostgreSqlConnectionString!);
                    store.UseClustering(c =>
                    {
                        c.CheckinInterval = options.ClusterCheckinInterval;
                        c.CheckinMisfireThreshold = options.ClusterCheckinMisfireThreshold;
                    });
                }
                else store.UseSqlite(o =>
                {
                    o.ConnectionString = database.DataSource().ConnectionString;
                    o.DataSourceFactory = _ => database.DataSource(); // our pragmas (busy_timeout, synchronous) on Quartz's connections too
                });
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);

        // This host's own storage instance, registered before AddHangfire so that its client, server and dashboard use it
        // rather than Hangfire's static JobStorage.Current (hosts side by side in one process must not share a queue).
        // PostgreSQL: a job fetched by a node that dies is run by another node after WorkInvisibilityTimeout (sliding: a
        // live node keeps its long jobs to itself) once the dead node's lock on it is StaleLockTimeout old. Hangfire.PostgreSql's
        // defaults (a fixed 30 minutes, 10 minutes) would leave a dead node's work waiting that long.
        services.AddSingleton<JobStorage>(_ =>
        {
            if (!options.UsesPostgreSql) return new Hangfire.InMemory.InMemoryStorage();
            var pg = new PostgreSqlStorageOptions
            {
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = options.WorkInvisibilityTimeout,
                DistributedLockTimeout = options.StaleLockTimeout,
                QueuePollInterval = options.QueuePollInterval,
            };
            return new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(options.PostgreSqlConnectionString!, pg), pg);
        });
        // Likewise the activator: without one in DI, Hangfire's server would build jobs through the static JobActivator.Current.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, h) => h.SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings().UseStorage(sp.GetRequiredService<JobStorage>()));
        services.AddHangfireServer(o =>
        {
            o.WorkerCount = options.Workers;
            o.ServerName = options.NodeName;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        return services;
    }
}
