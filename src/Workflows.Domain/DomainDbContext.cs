using Microsoft.EntityFrameworkCore;
using Workflows.Persistence;

namespace Workflows.Domain;

/// <summary>
/// The domain's tables (reference data, policies, applications, quota ledger) in the same SQLite file as the engine's,
/// with their own migrations history, so the engine knows nothing of the handbooks.
/// </summary>
public sealed class DomainDbContext(DbContextOptions<DomainDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__DomainMigrationsHistory";

    public DbSet<ReferenceData.GreenChannelHospital> GreenChannelHospitals => Set<ReferenceData.GreenChannelHospital>();
    public DbSet<ReferenceData.EscortCity> EscortCities => Set<ReferenceData.EscortCity>();
    public DbSet<ReferenceData.ListedDrug> Drugs => Set<ReferenceData.ListedDrug>();
    public DbSet<ReferenceData.PharmacyCity> PharmacyCities => Set<ReferenceData.PharmacyCity>();
    public DbSet<ReferenceData.DesignatedHospital> DesignatedHospitals => Set<ReferenceData.DesignatedHospital>();

    public static void Configure(DbContextOptionsBuilder builder, DatabaseOptions db) =>
        db.Configure(builder, sqlite => sqlite.MigrationsHistoryTable(HistoryTable));

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        builder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        builder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<ReferenceData.GreenChannelHospital>(e =>
        {
            e.ToTable("RefGreenChannelHospitals");
            e.HasIndex(x => x.NameKey);
            e.HasIndex(x => x.City);
        });
        b.Entity<ReferenceData.EscortCity>(e =>
        {
            e.ToTable("RefEscortCities");
            e.HasIndex(x => x.CityKey);
        });
        b.Entity<ReferenceData.ListedDrug>(e =>
        {
            e.ToTable("RefDrugs");
            e.HasIndex(x => new { x.Source, x.List });
            e.HasIndex(x => x.GenericKey);
        });
        b.Entity<ReferenceData.PharmacyCity>(e =>
        {
            e.ToTable("RefPharmacyCities");
            e.HasIndex(x => new { x.Source, x.CityKey });
        });
        b.Entity<ReferenceData.DesignatedHospital>(e =>
        {
            e.ToTable("RefDesignatedHospitals");
            e.HasIndex(x => x.NameKey);
        });
    }
}
