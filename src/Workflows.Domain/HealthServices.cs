using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
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
        services.AddDbContextFactory<DomainDbContext>(b => DomainDbContext.Configure(b, database), ServiceLifetime.Singleton);
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<DomainDbContext>>().CreateDbContext());
        services.AddSingleton(ServiceCatalogue.Default);
        services.AddSingleton(BusinessCalendar.Default);
        services.AddSingleton<PersonalDataProtector>();
        services.AddSingleton<IStepEffectHandler, ApplicationEffects>();
        // Loaded from the database on first use, which is after PrepareAsync has loaded the attachments' tables.
        services.AddSingleton(sp =>
        {
            using var db = sp.GetRequiredService<IDbContextFactory<DomainDbContext>>().CreateDbContext();
            return ReferenceLookup.LoadAsync(db).GetAwaiter().GetResult();
        });
        services.AddScoped<PolicyImport>();
        services.AddScoped<ApplicationService>();
        return services;
    }

    /// <summary>Migrates the domain tables, reloads the handbooks' attachments, and seeds demo policies when asked.</summary>
    public static async Task PrepareAsync(IServiceProvider services, bool demoData, ILogger logger, CancellationToken ct = default)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<DomainDbContext>>().CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
        var counts = await ReferenceDataLoader.LoadAsync(db, ct);
        logger.LogInformation("Reference data loaded: {Counts}", counts.ToString());
        if (demoData) await DemoData.SeedAsync(db, services.GetRequiredService<PersonalDataProtector>(), services.GetRequiredService<TimeProvider>(), logger, ct);
    }
}

/// <summary>Lets <c>dotnet ef migrations add … --context DomainDbContext</c> build the context.</summary>
public sealed class DomainDesignTimeFactory : IDesignTimeDbContextFactory<DomainDbContext>
{
    public DomainDbContext CreateDbContext(string[] args)
    {
        var b = new DbContextOptionsBuilder<DomainDbContext>();
        DomainDbContext.Configure(b, new DatabaseOptions { Path = "design-time.db" });
        return new DomainDbContext(b.Options);
    }
}
