using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Workflows.Persistence.Entities;
using Workflows.Persistence.Stores;

namespace Workflows.Persistence;

/// <summary>The back office's one database: identity, workflow definitions, instances, bookmarks, the journal, command keys, the access trail, scheduled work.</summary>
public sealed class WorkflowsDbContext(DbContextOptions<WorkflowsDbContext> options) : IdentityDbContext<AppUser>(options),
    Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.IDataProtectionKeyContext
{
    /// <summary>The data-protection key ring when the provider is PostgreSql, so every node reads tokens, cookies and personal
    /// data protected by another (docs/operations.md, "Several nodes on PostgreSQL"). Unused on SQLite (keys stay in files).</summary>
    public DbSet<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> DataProtectionKeys => Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();

    public DbSet<DefinitionRecord> Definitions => Set<DefinitionRecord>();
    public DbSet<InstanceRecord> Instances => Set<InstanceRecord>();
    public DbSet<BookmarkRecord> Bookmarks => Set<BookmarkRecord>();
    public DbSet<JournalRecord> Journal => Set<JournalRecord>();
    public DbSet<CommandRecord> Commands => Set<CommandRecord>();
    public DbSet<AccessLogRecord> AccessLog => Set<AccessLogRecord>();
    public DbSet<ScheduledWorkRecord> ScheduledWork => Set<ScheduledWorkRecord>();
    public DbSet<OneTimeCodeRecord> OneTimeCodes => Set<OneTimeCodeRecord>();
    public DbSet<AdminAuditRecord> AdminAudit => Set<AdminAuditRecord>();
    public DbSet<StateSnapshotRecord> StateSnapshots => Set<StateSnapshotRecord>();
    public DbSet<LegalHoldRecord> LegalHolds => Set<LegalHoldRecord>();
    public DbSet<Tasks.HumanTaskRecord> HumanTasks => Set<Tasks.HumanTaskRecord>();
    public DbSet<Tasks.TaskDelegationRecord> TaskDelegations => Set<Tasks.TaskDelegationRecord>();
    public DbSet<Tasks.SavedTaskFilterRecord> SavedTaskFilters => Set<Tasks.SavedTaskFilterRecord>();

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        // Instants are stored as UTC ticks: exact, sortable and comparable in SQL.
        builder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        builder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        base.OnModelCreating(b);
        // Index filters name their columns quoted ("Kind"), which SQLite and PostgreSQL both read as the PascalCase column;
        // unquoted, PostgreSQL would fold them to lower case and find no such column.

        b.Entity<DefinitionRecord>(e =>
        {
            e.ToTable("WorkflowDefinitions");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.DefinitionId, x.Version }).IsUnique();
            e.HasIndex(x => new { x.DefinitionId, x.IsPublished });
            e.HasIndex(x => new { x.IsLatest, x.Name });
        });
        b.Entity<InstanceRecord>(e =>
        {
            e.ToTable("WorkflowInstances");
            e.HasKey(x => x.Id);
            e.Property(x => x.Revision).IsConcurrencyToken();
            e.HasIndex(x => x.DefinitionId);
            e.HasIndex(x => new { x.Status, x.SubStatus });
            e.HasIndex(x => x.CorrelationId);
            e.HasIndex(x => x.UpdatedAt);
        });
        b.Entity<BookmarkRecord>(e =>
        {
            e.ToTable("Bookmarks");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.InstanceId);
            // Partial indexes: only timers are looked up by due time and only events by name, so human tasks skip both.
            e.HasIndex(x => x.ResumeAt).HasFilter("\"Kind\" = 'Timer'").HasDatabaseName("IX_Bookmarks_DueTimers");
            e.HasIndex(x => new { x.Name, x.CorrelationKey }).HasFilter("\"Kind\" = 'Event'").HasDatabaseName("IX_Bookmarks_Events");
        });
        b.Entity<JournalRecord>(e =>
        {
            e.ToTable("JournalEntries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.InstanceId, x.Sequence }).IsUnique();
            e.HasIndex(x => x.BookmarkId).HasFilter("\"BookmarkId\" IS NOT NULL");
        });
        b.Entity<CommandRecord>(e =>
        {
            e.ToTable("CommandKeys");
            e.HasKey(x => x.Key);
        });
        b.Entity<AccessLogRecord>(e =>
        {
            e.ToTable("AccessLog");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.At);
            e.HasIndex(x => x.InstanceId);
        });
        b.Entity<AppUser>(e =>
        {
            e.HasIndex(x => x.IdNumberHash).IsUnique().HasFilter("\"IdNumberHash\" IS NOT NULL");
        });
        b.Entity<OneTimeCodeRecord>(e =>
        {
            e.ToTable("OneTimeCodes");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.UserId, x.Purpose, x.CreatedAt });
        });
        b.Entity<AdminAuditRecord>(e =>
        {
            e.ToTable("AdminAudit");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.At);
            e.HasIndex(x => x.Target);
        });
        b.Entity<ScheduledWorkRecord>(e =>
        {
            e.ToTable("ScheduledWork");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Key).IsUnique();
            // Only unfinished work is looked up by state; finished rows stay as the record of what ran.
            e.HasIndex(x => new { x.State, x.DueAt }).HasFilter(WorkStates.OpenFilter).HasDatabaseName("IX_ScheduledWork_Open");
            e.HasIndex(x => new { x.Kind, x.DoneAt });
        });
        b.Entity<StateSnapshotRecord>(e =>
        {
            e.ToTable("StateSnapshots");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.InstanceId, x.Sequence }).IsUnique();
        });
        b.Entity<LegalHoldRecord>(e =>
        {
            e.ToTable("LegalHolds");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.SubjectKind, x.SubjectId });
        });
        Tasks.TaskSchema.Configure(b);
    }
}

public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
