using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Persistence.Stores;

namespace Workflows.Web.Infrastructure;

/// <summary>What happens before the host serves requests, one node at a time: schema migration (WAL on SQLite), the key ring, roles and demo users, workflows/ import.</summary>
public static class Startup
{
    public static async Task PrepareAsync(IServiceProvider services, IConfiguration config, IHostEnvironment env, CancellationToken ct = default)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Startup");
        var database = services.GetRequiredService<DatabaseOptions>();
        var seed = services.GetRequiredService<IOptions<SeedSettings>>().Value;
        // Nodes share the database: one prepares it at a time (the next finds it migrated, seeded, imported). SQLite: a
        // file lock beside the file, then WAL and a stale migration lock cleared; PostgreSQL: an advisory lock on the
        // server (nodes on separate machines). Each in its provider's project (DatabaseBackend.PrepareAsync).
        await using var startupLock = await database.Backend.PrepareAsync(database, logger, ct);
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WorkflowsDbContext>();
            await db.Database.MigrateAsync(ct);
            if (database.IsPostgreSql)
                logger.LogInformation("Database ready on PostgreSQL {DatabaseHost}/{DatabaseName}", db.Database.GetDbConnection().DataSource, db.Database.GetDbConnection().Database);
            else
                logger.LogInformation("Database ready at {DatabasePath} (WAL)", database.Path);
            // The data-protection key ring (tokens, cookies, personal data): on PostgreSQL it is in the database, shared by
            // every node; the first node to start creates its first key here, under the lock, so nodes never race to make one.
            // A node whose key-ring key is not the one the ring was sealed with stops here, with the reason.
            var keyRepository = services.GetRequiredService<IOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>().Value.XmlRepository;
            if (keyRepository is not null)
                services.GetRequiredService<KeyRingKey>().CheckRing(keyRepository.GetAllElements().Select(e => e.ToString()));
            scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
                .CreateProtector("Workflows.Startup").Protect("key ring ready"u8.ToArray());
            await SeedRolesAsync(scope.ServiceProvider, ct);
            if (seed.DemoUsers)
                await SeedDemoUsersAsync(scope.ServiceProvider, seed.DemoPassword, logger);
        }
        await Workflows.Domain.HealthServices.PrepareAsync(services, seed.DemoUsers, logger, ct);
        await ImportWorkflowsAsync(services, WorkflowDirectory(services.GetRequiredService<IOptions<WorkflowFilesSettings>>().Value, env), logger, ct);
    }

    public static async Task SeedRolesAsync(IServiceProvider sp, CancellationToken ct)
    {
        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));
    }

    /// <summary>The designated pharmacy of the demo pharmacy user.</summary>
    public const string DemoPharmacyName = "上药云健康益药药房（上海店）", DemoPharmacyCity = "上海";

    /// <summary>One demo user per role (user name = role in lower case), with the password from Seed:DemoPassword.</summary>
    private static async Task SeedDemoUsersAsync(IServiceProvider sp, string password, ILogger logger)
    {
        var users = sp.GetRequiredService<UserManager<AppUser>>();
        foreach (var role in Roles.All)
        {
            var name = role.ToLowerInvariant();
            if (await users.FindByNameAsync(name) is not null) continue;
            var user = new AppUser { UserName = name, DisplayName = $"Demo {role}", CreatedAt = DateTimeOffset.UtcNow };
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded) throw new InvalidOperationException($"Could not create demo user {name}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            await users.AddToRoleAsync(user, role);
            // The demo pharmacy user works at the designated pharmacy the demo cases plan (least privilege: its codes only).
            if (role == Roles.Pharmacy)
                await users.AddClaimsAsync(user, [new(Identity.StaffUsers.PharmacyNameClaim, DemoPharmacyName), new(Identity.StaffUsers.PharmacyCityClaim, DemoPharmacyCity)]);
            logger.LogInformation("Created demo user {UserName} in role {Role}", name, role);
        }
    }

    /// <summary>Imports every workflows/*.json: unchanged files are no-ops, changed ones become new published versions.</summary>
    public static async Task ImportWorkflowsAsync(IServiceProvider services, string? directory, ILogger logger, CancellationToken ct)
    {
        if (directory is null || !Directory.Exists(directory))
        {
            logger.LogWarning("No workflows directory found; nothing imported");
            return;
        }
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<DefinitionStore>();
            try
            {
                var model = WorkflowJson.Deserialize(await File.ReadAllTextAsync(file, ct));
                var outcome = await store.ImportFromFileAsync(model, ct);
                logger.LogInformation("Workflow file {File}: {Outcome}", Path.GetFileName(file), outcome);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or DefinitionException or WorkflowValidationException)
            {
                logger.LogError("Workflow file {File} was not imported: {Reason}", Path.GetFileName(file), e.Message);
            }
        }
    }

    /// <summary>Workflows:Directory, or the repository's workflows/ found by walking up from the content root.</summary>
    public static string? WorkflowDirectory(WorkflowFilesSettings settings, IHostEnvironment env)
    {
        if (settings.Directory is { Length: > 0 } configured) return Path.GetFullPath(configured);
        foreach (var start in new[] { env.ContentRootPath, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "workflows");
                if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Workflows.sln"))) return candidate;
            }
        }
        return null;
    }
}
