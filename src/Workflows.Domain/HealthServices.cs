using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Policies;
using Workflows.Domain.ReferenceData;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain;

/// <summary>Registers the health-services domain and prepares its data at start.</summary>
public static class HealthServices
{
    public static IServiceCollection AddHealthServices(this IServiceCollection services, DatabaseOptions database)
    {
        // Pooled: an application's request uses two or three contexts (the apply check, the eligibility step); a pooled
        // context is reset and reused instead of being built with its services each time (docs/operations.md, HTTP path).
        services.AddPooledDbContextFactory<DomainDbContext>(b => DomainDbContext.Configure(b, database));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<DomainDbContext>>().CreateDbContext());
        services.AddSingleton(ServiceCatalogue.Default);
        services.AddSingleton(BusinessCalendar.Default);
        services.AddSingleton<PersonalDataProtector>();
        services.AddSingleton<IStepEffectHandler, ApplicationEffects>();
        services.AddSingleton<IStepEffectHandler, DirectBillingEffects>();
        services.AddOptions<DirectBillingSettings>().BindConfiguration(DirectBillingSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ReferenceDataSettings>().BindConfiguration(ReferenceDataSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<NotificationSettings>().BindConfiguration(NotificationSettings.Section).ValidateDataAnnotations().ValidateOnStart();
        AddFollowUp(services);
        // Reference data in versions (docs/reference-data.md): read from the database on first use, which is after
        // PrepareAsync has stored version 1; the version in effect switches on its effective date without a restart.
        services.AddSingleton<ReferenceDataStore>();
        services.AddSingleton<IReferenceDataVersions>(sp => sp.GetRequiredService<ReferenceDataStore>());
        // Whatever still resolves ReferenceLookup gets the version in effect at that moment (never a snapshot frozen at start).
        services.AddTransient(sp => sp.GetRequiredService<IReferenceDataVersions>().Current);
        services.AddScoped<ReferenceDataAdmin>();
        services.AddHostedService<ReferenceDataRefresher>();
        // Replay and what-if: each step records the data versions its decisions used; replay asks for the same ones.
        services.AddSingleton<Workflows.Engine.Runtime.IDecisionVersionSource, Replay.DecisionVersionSource>();
        services.AddSingleton<Replay.CaseReplay>();
        services.AddSingleton<Replay.WhatIfAnalysis>();
        services.AddSingleton<Workflows.Engine.Runtime.ITaskSubjectSource, Tasks.ApplicationTaskSubjects>();
        services.AddSingleton<Tasks.ITaskService, Tasks.TaskService>();
        services.AddScoped<PolicyImport>();
        services.AddScoped<PolicyAmendments>();
        services.AddScoped<ApplicationService>();
        services.AddSingleton<PharmacyCounter>();
        // Task forms: every completion is checked against the task's form before the instance runs.
        services.AddSingleton<Forms.TaskFormRules>();
        services.AddSingleton<Workflows.Engine.Activities.Forms.ITaskCompletionGuard>(sp => sp.GetRequiredService<Forms.TaskFormRules>());
        // Free text typed with a completion is kept encrypted on its own row; the workflow gets a reference.
        services.AddSingleton<FreeText.TaskFreeText>();
        services.AddSingleton<Workflows.Engine.Activities.Forms.IFreeTextKeeper>(sp => sp.GetRequiredService<FreeText.TaskFreeText>());
        services.AddSingleton<IStepEffectHandler>(sp => sp.GetRequiredService<FreeText.TaskFreeText>());
        services.AddSingleton<FreeText.PersonalTexts>();
        return services;
    }

    /// <summary>SLA escalation, reminders, the notification outbox and its channels, the COC record and monthly summaries.</summary>
    private static void AddFollowUp(IServiceCollection services)
    {
        services.AddSingleton<FollowUp.ReminderPlanner>();
        services.AddSingleton<FollowUp.NotificationOutbox>();
        services.AddSingleton<IStepEffectHandler, FollowUp.FollowUpEffects>();
        services.AddSingleton<IScheduledWorkHandler, FollowUp.SlaEscalation>();
        services.AddSingleton<IScheduledWorkHandler, FollowUp.Reminders>();
        services.AddSingleton<IScheduledWorkHandler, FollowUp.MonthlySummaries>();
        services.AddSingleton<IScheduledWorkHandler, FollowUp.DeliverNotification>();
        services.AddScoped<FollowUp.CareProgramme>();
        services.AddScoped<FollowUp.CocCare>();
        services.AddSingleton<IScheduledWorkHandler, Policies.ContractEnds>();
        services.AddHttpClient();
        // The embedded default reaches people through the back office's own inbox; the gateways and SMTP are used when configured.
        services.AddSingleton<FollowUp.INotificationChannel, FollowUp.InboxChannel>();
        foreach (var name in new[] { FollowUp.NotificationChannels.Sms, FollowUp.NotificationChannels.WeChat })
            services.AddSingleton<FollowUp.INotificationChannel>(sp =>
            {
                var settings = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<NotificationSettings>>().Value;
                var gateway = name == FollowUp.NotificationChannels.Sms ? settings.Sms : settings.WeChat;
                return gateway.Url is { Length: > 0 } url
                    ? new FollowUp.GatewayChannel(name, sp.GetRequiredService<IHttpClientFactory>().CreateClient(name), new Uri(url), gateway.ApiKey)
                    : new FollowUp.UnconfiguredChannel(name);
            });
        services.AddSingleton<FollowUp.INotificationChannel>(sp =>
        {
            var email = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<NotificationSettings>>().Value.Email;
            if (email.Host is not { Length: > 0 } host) return new FollowUp.UnconfiguredChannel(FollowUp.NotificationChannels.Email);
            var users = sp.GetRequiredService<IServiceScopeFactory>();
            return new FollowUp.EmailChannel(host, email.Port, email.From, async (user, ct) =>
            {
                await using var scope = users.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WorkflowsDbContext>();
                return await db.Users.Where(u => u.UserName == user).Select(u => u.Email).FirstOrDefaultAsync(ct);
            });
        });
    }

    /// <summary>Migrates the domain tables, reloads the handbooks' attachments, and seeds demo policies when asked.</summary>
    public static async Task PrepareAsync(IServiceProvider services, bool demoData, ILogger logger, CancellationToken ct = default)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<DomainDbContext>>().CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
        var counts = await ReferenceDataLoader.LoadAsync(db, ct);
        logger.LogInformation("Reference data loaded: {Counts}", counts.ToString());
        await ReferenceDataStore.EnsureFirstVersionAsync(db, services.GetService<TimeProvider>() ?? TimeProvider.System, ct);
        // Known before the host serves: the first reader is often a screen's circuit, which must not wait on the database.
        if (services.GetService<ReferenceDataStore>() is { } referenceData) await referenceData.RefreshAsync(ct);
        if (demoData) await DemoData.SeedAsync(db, services.GetRequiredService<PersonalDataProtector>(), services.GetRequiredService<TimeProvider>(), logger, ct);
        // Services end with the contract (Policies.ContractEnds): policies with open applications that have no end work yet
        // (imported before it existed, or seeded) get it; the work's key makes this a no-op for the others.
        if (services.GetService<ScheduledWorkStore>() is { } work)
        {
            var open = await db.Policies.AsNoTracking()
                .Where(p => db.Applications.Any(a => a.PolicyId == p.Id && !Applications.ApplicationStatus.Final.Contains(a.Status))).ToListAsync(ct);
            var added = await Policies.ContractEnds.ScheduleAsync(work, open, ct);
            if (added > 0) logger.LogInformation("Contract-end work added for {Count} policies with open applications", added);
        }
    }
}
