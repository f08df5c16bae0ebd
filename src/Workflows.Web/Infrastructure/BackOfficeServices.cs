using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Persistence.Stores;
using Workflows.Persistence.Evidence;
using Workflows.Domain;
using Workflows.Scheduling;

namespace Workflows.Web.Infrastructure;

/// <summary>Registers the back office's parts: database, identity and roles, the engine, the stores.</summary>
public static class BackOfficeServices
{
    /// <summary>Cookie for the browser, bearer token for the API: the scheme is chosen by the presence of an Authorization header.</summary>
    public const string SmartScheme = "CookieOrBearer";
    public const string AuthCookieName = "backoffice.auth";

    public static WebApplicationBuilder AddBackOffice(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var config = builder.Configuration;
        var dataDir = Path.GetFullPath(config["DataDirectory"] is { Length: > 0 } data ? data : Path.Combine(builder.Environment.ContentRootPath, "data"));
        // Settings, one class per section (Settings.cs; defaults in appsettings.json): read here where registration needs
        // them, validated now and again at start (ValidateOnStart), and given to consumers as IOptions<T>.
        var databaseSettings = Settings<DatabaseSettings>(builder, DatabaseSettings.Section);
        var evidenceSettings = Settings<EvidenceSettings>(builder, EvidenceSettings.Section);
        var limits = Settings<LimitsSettings>(builder, LimitsSettings.Section);
        var identitySettings = Settings<IdentitySettings>(builder, IdentitySettings.Section);
        var dataProtectionSettings = Settings<DataProtectionSettings>(builder, DataProtectionSettings.Section);
        Settings<SeedSettings>(builder, SeedSettings.Section);
        Settings<WorkflowFilesSettings>(builder, WorkflowFilesSettings.Section);
        Settings<StudioSettings>(builder, StudioSettings.Section);
        var database = new DatabaseOptions
        {
            Provider = databaseSettings.Provider,
            PostgreSqlConnectionString = databaseSettings.ConnectionString,
            Path = Path.GetFullPath(databaseSettings.Path is { Length: > 0 } dbPath ? dbPath : Path.Combine(dataDir, "backoffice.db")),
            Synchronous = databaseSettings.Synchronous,
        };
        services.AddSingleton(database);
        services.AddSingleton(Clock(builder));
        services.AddDbContextFactory<WorkflowsDbContext>(database.Configure);
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<WorkflowsDbContext>>().CreateDbContext());

        // Engine
        services.AddWorkflowEngine(new ActivityRegistry()
            .AddFromAssembly(typeof(ActivityRegistry).Assembly)
            .AddFromAssembly(typeof(Workflows.Domain.Activities.CheckEligibility).Assembly));
        // Evidence: journal keys and the signing key live outside the database (docs/operations.md, "Evidence").
        services.AddEvidence(new Workflows.Persistence.Evidence.EvidenceOptions
        {
            KeyDirectory = Path.GetFullPath(evidenceSettings.KeyDirectory is { Length: > 0 } keys ? keys : Path.Combine(dataDir, "evidence-keys")),
            CheckpointDirectory = Path.GetFullPath(evidenceSettings.CheckpointDirectory is { Length: > 0 } cp ? cp : Path.Combine(dataDir, "checkpoints")),
            CheckpointInterval = TimeSpan.FromMinutes(evidenceSettings.CheckpointMinutes),
        }, database);
        services.AddSingleton<Workflows.Web.Evidence.AuditQueries>();
        services.AddSingleton<Workflows.Web.Evidence.LegalHolds>();
        services.AddSingleton<Workflows.Web.Evidence.BundleExport>();
        services.AddSingleton<Workflows.Web.Evidence.SqliteInstances>();
        services.AddHealthServices(database);
        services.AddScoped<DefinitionStore>();
        // The access trail's batch writer, on the store's single writer connection; drained on a graceful stop.
        services.AddSingleton<AccessTrailWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessTrailWriter>());
        services.AddScoped<Migration.InstanceMigrations>();
        services.AddSingleton<Migration.MigrationRuns>();
        services.AddSingleton<Workflows.Domain.Tasks.ITaskUserDirectory, TaskUserDirectory>();
        services.AddScheduling(config, database);
        EvidenceCheckpointJob.AddEvidenceCheckpoints(services);
        FaultInjectionOptions.Add(builder); // test-only; refused in Production

        // Identity, on the same database
        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = false;
                // Failed sign-ins are limited by SignInThrottle (per client and per account, windows that end), not by
                // Identity's lockout, which would let anyone lock another person out.
                o.Lockout.AllowedForNewUsers = false;
                o.Password.RequiredLength = 8;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<WorkflowsDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        // The data-protection key ring (cookies, bearer tokens, personal data at rest). PostgreSQL: in the database, so a
        // token or a protected value made by one node is read by every other; SQLite: in {DataDirectory}/keys as before
        // (moving it would leave the personal data already protected with those keys unreadable). docs/operations.md.
        // Each key's secret is sealed with the key-ring key, which never enters the database (KeyRingKey).
        var dataProtection = services.AddDataProtection().SetApplicationName("Workflows.BackOffice");
        if (database.IsPostgreSql) dataProtection.PersistKeysToDbContext<WorkflowsDbContext>();
        else dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "keys")));
        var keyRingKey = KeyRingKey.FromSettings(dataProtectionSettings, dataDir);
        services.AddSingleton(keyRingKey);
        services.Configure<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(o => o.XmlEncryptor = new KeyRingXmlEncryptor(keyRingKey));

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or bearer", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? IdentityConstants.BearerScheme
                    : IdentityConstants.ApplicationScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(8))
            .AddCookie(IdentityConstants.ApplicationScheme, o =>
            {
                o.LoginPath = "/account/login";
                o.AccessDeniedPath = "/account/denied";
                o.Cookie.Name = AuthCookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                // The API answers 401/403; only pages redirect to the sign-in form.
                o.Events.OnRedirectToLogin = ctx => Redirect(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => Redirect(ctx, StatusCodes.Status403Forbidden);
            });
        // An access token verified once is remembered for a minute (by its hash), not decrypted on every call; expiry, the
        // session check and authorization still run per request (Identity/BearerTokenCache.cs).
        services.AddOptions<Microsoft.AspNetCore.Authentication.BearerToken.BearerTokenOptions>(IdentityConstants.BearerScheme)
            .PostConfigure<TimeProvider>((o, clock) => o.BearerTokenProtector = new Identity.BearerTokenCache(o.BearerTokenProtector, clock));
        services.AddSingleton(sp => Identity.KeyedHasher.FromSettings(identitySettings, dataDir));
        services.AddSingleton<Identity.SignInThrottle>();
        services.AddScoped<Identity.MemberAccounts>();
        services.AddScoped<Workflows.Domain.Policies.IMemberDirectory>(sp => sp.GetRequiredService<Identity.MemberAccounts>());
        services.AddScoped<Identity.PasswordSignIn>();
        services.AddScoped<Identity.StaffUsers>();
        services.AddAntiforgery(o => o.HeaderName = "X-CSRF-TOKEN");

        services.AddAuthorization(o =>
        {
            foreach (var (policy, roles) in Policies.RolesFor)
                o.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        });
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, Identity.CircuitRevalidation>();

        services.AddProblemDetails();
        // Malformed bodies surface as exceptions, so ProblemMapping can say what is wrong with them.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ProblemMapping>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            k.AddServerHeader = false; // no "Server: Kestrel"
        });
        return builder;
    }

    /// <summary>
    /// Binds a settings section: registered as <c>IOptions&lt;T&gt;</c> with its data annotations checked at start, and
    /// returned (checked now) for the registrations that need it before the host is built.
    /// </summary>
    private static T Settings<T>(WebApplicationBuilder builder, string section) where T : class, new()
    {
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        var value = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(value, new(value), errors, validateAllProperties: true))
            throw new Microsoft.Extensions.Options.OptionsValidationException(section, typeof(T), errors.Select(e => e.ErrorMessage ?? section));
        return value;
    }

    /// <summary>
    /// The host's clock: the real one, or the acceptance clock of the <c>Clock</c> section, which is refused in Production
    /// (a production host never runs on a shifted or frozen clock).
    /// </summary>
    private static TimeProvider Clock(WebApplicationBuilder builder)
    {
        var options = ClockOptions.From(builder.Configuration);
        if (!options.IsConfigured) return TimeProvider.System;
        if (builder.Environment.IsProduction())
            throw new InvalidOperationException(
                "The acceptance clock (Clock:Now, Clock:Offset, Clock:Frozen) is refused in the Production environment. " +
                "Start the host with --environment Acceptance (or Development) to use it.");
        return new AcceptanceClock(options, TimeProvider.System);
    }

    private static Task Redirect(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx, int apiStatus)
    {
        var path = ctx.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/elsa"))
        {
            ctx.Response.StatusCode = apiStatus;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>The acting principal for the journal: the user, in the first of their roles the policy admits.</summary>
    public static Actor ActorFor(this ClaimsPrincipal user, string policy)
    {
        var id = user.FindFirstValue(ClaimTypes.Name) ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown";
        var role = Policies.RolesFor[policy].FirstOrDefault(user.IsInRole) ?? "none";
        return new Actor(id, role);
    }
}
