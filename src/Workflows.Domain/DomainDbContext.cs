using Microsoft.EntityFrameworkCore;
using Workflows.Persistence;

namespace Workflows.Domain;

/// <summary>
/// The domain's tables (reference data, policies, applications, quota ledger) in the same database as the engine's,
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
    public DbSet<ReferenceData.ReferenceDataVersion> ReferenceDataVersions => Set<ReferenceData.ReferenceDataVersion>();
    public DbSet<ReferenceData.ReferenceDataVersionFile> ReferenceDataFiles => Set<ReferenceData.ReferenceDataVersionFile>();
    public DbSet<ReferenceData.ReferenceDataUpload> ReferenceDataUploads => Set<ReferenceData.ReferenceDataUpload>();
    public DbSet<Policies.Policy> Policies => Set<Policies.Policy>();
    public DbSet<Policies.DiagnosisEvent> Diagnoses => Set<Policies.DiagnosisEvent>();
    public DbSet<Policies.PolicyVersion> PolicyVersions => Set<Policies.PolicyVersion>();
    public DbSet<Applications.ServiceApplication> Applications => Set<Applications.ServiceApplication>();
    public DbSet<Applications.ApplicationEvent> ApplicationEvents => Set<Applications.ApplicationEvent>();
    public DbSet<Applications.QuotaUse> QuotaUses => Set<Applications.QuotaUse>();
    public DbSet<Applications.QuotaCounter> QuotaCounters => Set<Applications.QuotaCounter>();
    public DbSet<Applications.MemberConsultation> Consultations => Set<Applications.MemberConsultation>();
    public DbSet<FreeText.TaskText> TaskTexts => Set<FreeText.TaskText>();
    public DbSet<FollowUp.Notification> Notifications => Set<FollowUp.Notification>();
    public DbSet<FollowUp.SlaBreach> SlaBreaches => Set<FollowUp.SlaBreach>();
    public DbSet<FollowUp.CareRecord> CareRecords => Set<FollowUp.CareRecord>();
    public DbSet<FollowUp.MedicationPlan> MedicationPlans => Set<FollowUp.MedicationPlan>();
    public DbSet<FollowUp.MonthlySummary> MonthlySummaries => Set<FollowUp.MonthlySummary>();
    public DbSet<FollowUp.CocAlert> CocAlerts => Set<FollowUp.CocAlert>();
    public DbSet<FollowUp.CocCaseManagerAssignment> CocCaseManagers => Set<FollowUp.CocCaseManagerAssignment>();
    public DbSet<FollowUp.NutritionAssessment> NutritionAssessments => Set<FollowUp.NutritionAssessment>();

    public static void Configure(DbContextOptionsBuilder builder, DatabaseOptions db) =>
        db.Configure(builder, HistoryTable);

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        builder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        builder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<ReferenceData.ReferenceDataVersion>(e =>
        {
            e.ToTable("RefDataVersions");
            e.HasKey(x => x.Number);
            e.Property(x => x.Number).ValueGeneratedNever();
            e.HasIndex(x => x.UploadId).IsUnique();
        });
        b.Entity<ReferenceData.ReferenceDataVersionFile>(e =>
        {
            e.ToTable("RefDataVersionFiles");
            e.HasKey(x => new { x.Version, x.File });
        });
        b.Entity<ReferenceData.ReferenceDataUpload>(e =>
        {
            e.ToTable("RefDataUploads");
            e.HasIndex(x => x.UploadedAt);
        });
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
        b.Entity<Policies.Policy>(e =>
        {
            e.ToTable("Policies");
            e.HasIndex(x => x.PolicyNumber).IsUnique();
            e.Property(x => x.Version).HasDefaultValue(1);
            e.HasIndex(x => x.InsuredUserName);
            e.HasIndex(x => x.GuardianUserName);
            e.HasIndex(x => x.InsuredName); // staff case search by the member's name (whole or masked pattern)
            e.HasMany(x => x.Diagnoses).WithOne().HasForeignKey(d => d.PolicyId);
        });
        b.Entity<Policies.DiagnosisEvent>(e => e.ToTable("DiagnosisEvents"));
        b.Entity<Policies.PolicyVersion>(e =>
        {
            e.ToTable("PolicyVersions");
            e.HasIndex(x => new { x.PolicyId, x.Version }).IsUnique();
        });
        b.Entity<Applications.ServiceApplication>(e =>
        {
            e.ToTable("ServiceApplications");
            e.HasIndex(x => new { x.ApplicantUserName, x.CreatedAt });
            e.HasIndex(x => x.PolicyId);
            e.HasIndex(x => x.InstanceId);
            // Staff case search: newest receipt first, keyset paged on (ReceivedAt, Id); by policy number; by service and status.
            e.HasIndex(x => new { x.ReceivedAt, x.Id });
            e.HasIndex(x => x.PolicyNumber);
            e.HasIndex(x => new { x.ServiceCode, x.Status, x.ReceivedAt });
            e.Property(x => x.Channel).HasDefaultValue(Workflows.Domain.Applications.ApplicationChannels.App);
        });
        b.Entity<Applications.ApplicationEvent>(e =>
        {
            e.ToTable("ApplicationEvents");
            e.HasIndex(x => x.ApplicationId);
        });
        b.Entity<Applications.MemberConsultation>(e =>
        {
            e.ToTable("MemberConsultations");
            e.HasIndex(x => x.ApplicationId);
        });
        b.Entity<FreeText.TaskText>(e =>
        {
            e.ToTable("TaskTexts");
            e.HasIndex(x => x.ApplicationId);
            e.HasIndex(x => x.InstanceId);
        });
        b.Entity<Applications.QuotaUse>(e =>
        {
            e.ToTable("QuotaUses");
            e.HasIndex(x => new { x.PolicyId, x.ServiceCode, x.PeriodStart });
            e.HasIndex(x => x.ApplicationId).IsUnique();
        });
        b.Entity<Applications.QuotaCounter>(e =>
        {
            e.ToTable("QuotaCounters");
            e.HasKey(x => new { x.PolicyId, x.ServiceCode, x.PeriodStart });
        });
        b.Entity<FollowUp.Notification>(e =>
        {
            e.ToTable("Notifications");
            e.HasIndex(x => x.Key).IsUnique();
            e.HasIndex(x => x.CreatedAt);
            e.HasIndex(x => new { x.RecipientUserName, x.CreatedAt });
        });
        b.Entity<FollowUp.SlaBreach>(e =>
        {
            e.ToTable("SlaBreaches");
            e.HasKey(x => x.BookmarkId);
            e.HasIndex(x => x.BreachedAt);
        });
        b.Entity<FollowUp.CareRecord>(e =>
        {
            e.ToTable("CareRecords");
            e.HasIndex(x => new { x.ApplicationId, x.OccurredOn });
        });
        b.Entity<FollowUp.MedicationPlan>(e => { e.ToTable("MedicationPlans"); e.HasIndex(x => x.ApplicationId); });
        b.Entity<FollowUp.MonthlySummary>(e =>
        {
            e.ToTable("MonthlySummaries");
            e.HasIndex(x => new { x.ApplicationId, x.Month }).IsUnique();
            e.HasIndex(x => new { x.MemberUserName, x.Month });
        });
        b.Entity<FollowUp.CocAlert>(e => { e.ToTable("CocAlerts"); e.HasIndex(x => new { x.ApplicationId, x.RaisedAt }); });
        b.Entity<FollowUp.CocCaseManagerAssignment>(e =>
        {
            e.ToTable("CocCaseManagerAssignments");
            e.HasIndex(x => x.ApplicationId);
            e.HasIndex(x => x.CaseManager);
        });
        b.Entity<FollowUp.NutritionAssessment>(e => { e.ToTable("NutritionAssessments"); e.HasIndex(x => new { x.ApplicationId, x.AssessedOn }); });
        if (Database.IsNpgsql()) PostgreSqlNames.Apply(b);
    }
}
