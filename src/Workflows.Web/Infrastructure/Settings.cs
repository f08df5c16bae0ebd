using System.ComponentModel.DataAnnotations;

namespace Workflows.Web.Infrastructure;

// The host's settings, one class per configuration section, bound and validated at start (BackOfficeServices.AddBackOffice).
// Every default is written out in appsettings.json and listed in docs/operations.md ("Settings"). Paths left empty are
// placed under DataDirectory (default {content root}/data).

/// <summary>The <c>Database</c> section: the embedded SQLite file (default), or a PostgreSQL server shared by several nodes.</summary>
public sealed class DatabaseSettings : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>Sqlite (default: one embedded file) or PostgreSql (several nodes on one server; docs/operations.md).</summary>
    public Workflows.Persistence.DatabaseProvider Provider { get; set; } = Workflows.Persistence.DatabaseProvider.Sqlite;

    /// <summary>
    /// The PostgreSQL connection string (Npgsql form: Host=…;Port=5432;Database=…;Username=…;Password=…), required when
    /// Provider is PostgreSql; keep the password out of files in production (environment variable Database__ConnectionString).
    /// Quartz and Hangfire use it too unless Scheduling:PostgreSqlConnectionString names another database.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The SQLite file; empty: {DataDirectory}/backoffice.db.</summary>
    public string? Path { get; set; }

    /// <summary>SQLite's PRAGMA synchronous: NORMAL (default; safe in WAL mode), FULL, EXTRA or OFF.</summary>
    [Required(ErrorMessage = "Database:Synchronous must be OFF, NORMAL, FULL or EXTRA.")]
    [RegularExpression("(?i)OFF|NORMAL|FULL|EXTRA|[0-3]", ErrorMessage = "Database:Synchronous must be OFF, NORMAL, FULL or EXTRA.")]
    public string Synchronous { get; set; } = "NORMAL";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Provider))
            yield return new ValidationResult("Database:Provider must be Sqlite or PostgreSql.", [nameof(Provider)]);
        else if (Provider == Workflows.Persistence.DatabaseProvider.PostgreSql && string.IsNullOrWhiteSpace(ConnectionString))
            yield return new ValidationResult("Database:ConnectionString must be set when Database:Provider is PostgreSql.", [nameof(ConnectionString)]);
        else if (Provider == Workflows.Persistence.DatabaseProvider.PostgreSql)
        {
            string? problem = null;
            try { _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString); }
            catch (ArgumentException e) { problem = e.Message; }
            if (problem is not null)
                yield return new ValidationResult($"Database:ConnectionString is not a PostgreSQL connection string (Host=…;Database=…;Username=…): {problem}", [nameof(ConnectionString)]);
        }
    }
}

/// <summary>The <c>Evidence</c> section: journal keys, the signing key and signed checkpoints (docs/operations.md, "Evidence").</summary>
public sealed class EvidenceSettings
{
    public const string Section = "Evidence";

    /// <summary>Journal keys and the signing key; empty: {DataDirectory}/evidence-keys.</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>Signed checkpoints; empty: {DataDirectory}/checkpoints.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Minutes between signed checkpoints (default 15).</summary>
    [Range(0.01, 10_080, ErrorMessage = "Evidence:CheckpointMinutes must be between 0.01 and 10080 (one week).")]
    public double CheckpointMinutes { get; set; } = 15;
}

/// <summary>The <c>Limits</c> section.</summary>
public sealed class LimitsSettings
{
    public const string Section = "Limits";

    /// <summary>The largest request body accepted, in bytes (default 4,000,000); larger ones get 413.</summary>
    [Range(typeof(long), "1", "9223372036854775807", ErrorMessage = "Limits:MaxRequestBodyBytes must be a positive number of bytes.")]
    public long MaxRequestBodyBytes { get; set; } = 4_000_000;
}

/// <summary>The <c>Seed</c> section: demonstration users and data on a fresh database.</summary>
public sealed class SeedSettings
{
    public const string Section = "Seed";

    /// <summary>Create the demonstration staff, members and policies at start (default true; set false in production).</summary>
    public bool DemoUsers { get; set; } = true;

    /// <summary>The demonstration users' password (default Demo#2026).</summary>
    [Required, MinLength(8, ErrorMessage = "Seed:DemoPassword must have at least 8 characters.")]
    public string DemoPassword { get; set; } = "Demo#2026";
}

/// <summary>The <c>Identity</c> section.</summary>
public sealed class IdentitySettings : IValidatableObject
{
    public const string Section = "Identity";

    /// <summary>
    /// The key (base64, at least 32 bytes) that hashes identity numbers for look-up; empty: a random key created once in
    /// {DataDirectory}/keys/identity-hash.key. Several nodes must share it.
    /// </summary>
    public string? HashKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(HashKey)) yield break;
        var bytes = new byte[HashKey.Length];
        if (!Convert.TryFromBase64String(HashKey, bytes, out var length) || length < 32)
            yield return new ValidationResult("Identity:HashKey must be base64 text of at least 32 bytes.", [nameof(HashKey)]);
    }
}

/// <summary>The <c>DataProtection</c> section.</summary>
public sealed class DataProtectionSettings : IValidatableObject
{
    public const string Section = "DataProtection";

    /// <summary>
    /// The key (base64, exactly 32 bytes) that seals the data-protection key ring at rest; empty: a random key created once
    /// in {DataDirectory}/keys/key-ring.key. Several nodes must share it (see <see cref="KeyRingKey"/>).
    /// </summary>
    public string? KeyRingKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(KeyRingKey)) yield break;
        var bytes = new byte[KeyRingKey.Length];
        if (!Convert.TryFromBase64String(KeyRingKey, bytes, out var length) || length != 32)
            yield return new ValidationResult("DataProtection:KeyRingKey must be base64 text of exactly 32 bytes.", [nameof(KeyRingKey)]);
    }
}

/// <summary>The <c>Workflows</c> section.</summary>
public sealed class WorkflowFilesSettings
{
    public const string Section = "Workflows";

    /// <summary>The folder of workflow JSON imported at start; empty: the repository's workflows/ found above the content root.</summary>
    public string? Directory { get; set; }
}

/// <summary>The <c>Studio</c> section.</summary>
public sealed class StudioSettings
{
    public const string Section = "Studio";

    /// <summary>The Elsa Studio host folder; empty: the project's StudioHost found above the content root.</summary>
    public string? Directory { get; set; }
}
