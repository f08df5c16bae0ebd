using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain;
using Workflows.Scheduling;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Tests;

/// <summary>
/// Typed configuration: appsettings.json states exactly the defaults the settings classes carry (so shipping it changes
/// nothing), and a bad value stops the host with the setting's name instead of being ignored or faulting later.
/// </summary>
public sealed class SettingsTests
{
    private static IConfiguration Appsettings() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(BackOfficeProcess.RepositoryRoot, "src", "Workflows.Web", "appsettings.json"), optional: false)
        .Build();

    public static TheoryData<string> Sections =>
    [
        DatabaseSettings.Section, EvidenceSettings.Section, LimitsSettings.Section, SeedSettings.Section, IdentitySettings.Section,
        WorkflowFilesSettings.Section, StudioSettings.Section, ReferenceDataSettings.Section, NotificationSettings.Section, "Scheduling",
        DirectBillingSettings.Section, DataProtectionSettings.Section,
    ];

    [Theory]
    [MemberData(nameof(Sections))]
    public void Appsettings_json_states_the_defaults_of_each_section(string section)
    {
        var (type, defaults) = section switch
        {
            DatabaseSettings.Section => (typeof(DatabaseSettings), (object)new DatabaseSettings()),
            EvidenceSettings.Section => (typeof(EvidenceSettings), new EvidenceSettings()),
            LimitsSettings.Section => (typeof(LimitsSettings), new LimitsSettings()),
            SeedSettings.Section => (typeof(SeedSettings), new SeedSettings()),
            IdentitySettings.Section => (typeof(IdentitySettings), new IdentitySettings()),
            DataProtectionSettings.Section => (typeof(DataProtectionSettings), new DataProtectionSettings()),
            WorkflowFilesSettings.Section => (typeof(WorkflowFilesSettings), new WorkflowFilesSettings()),
            StudioSettings.Section => (typeof(StudioSettings), new StudioSettings()),
            ReferenceDataSettings.Section => (typeof(ReferenceDataSettings), new ReferenceDataSettings()),
            DirectBillingSettings.Section => (typeof(DirectBillingSettings), new DirectBillingSettings()),
            NotificationSettings.Section => (typeof(NotificationSettings), new NotificationSettings { MemberChannels = ["Inbox"] }), // empty means Inbox
            _ => (typeof(SchedulingOptions), new SchedulingOptions()),
        };
        var bound = Appsettings().GetSection(section).Get(type, o => o.ErrorOnUnknownConfiguration = true)!;
        Assert.NotNull(bound);
        // The file writes "" where the code leaves null ("not set": placed under DataDirectory or found at start).
        Assert.Equal(Normalise(defaults), Normalise(bound));
    }

    [Fact]
    public void Appsettings_json_names_no_section_the_host_does_not_read()
    {
        var known = new[]
        {
            "DataDirectory", "Logging", "Clock", DatabaseSettings.Section, EvidenceSettings.Section, LimitsSettings.Section, SeedSettings.Section,
            IdentitySettings.Section, WorkflowFilesSettings.Section, StudioSettings.Section, ReferenceDataSettings.Section,
            NotificationSettings.Section, "Scheduling", DirectBillingSettings.Section, DataProtectionSettings.Section,
        };
        Assert.Empty(Appsettings().GetChildren().Select(c => c.Key).Except(known));
        Assert.Equal("", Appsettings()["DataDirectory"]);
        Assert.Equal("", Appsettings()["Logging:File"]);
        Assert.False(ClockOptions.From(Appsettings()).IsConfigured); // the real clock
    }

    [Theory]
    [InlineData("Limits:MaxRequestBodyBytes", "0")]
    [InlineData("Database:Synchronous", "SOMETIMES")]
    [InlineData("Database:Provider", "PostgreSql")] // without Database:ConnectionString
    [InlineData("Database:Provider", "Oracle")]
    [InlineData("Scheduling:MaxAttempts", "0")]
    [InlineData("Identity:HashKey", "c2hvcnQ=")]
    [InlineData("DataProtection:KeyRingKey", "c2hvcnQ=")]
    [InlineData("ReferenceData:RefreshInterval", "00:00:00")]
    [InlineData("Notifications:Sms:Url", "not-an-address")]
    [InlineData("DirectBilling:DefaultSumInsured", "0")]
    public void A_bad_setting_stops_the_host_and_names_the_setting(string key, string value)
    {
        using var factory = new BadSettingFactory(key, value);
        var e = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains(key, e.ToString());
    }

    private sealed class BadSettingFactory(string key, string value) : BackOfficeFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Seed:DemoUsers", "false");
            builder.UseSetting(key, value);
        }
    }

    /// <summary>
    /// Scheduling:Workers, when not set, follows Database:Provider (measured in docs/operations.md, "Timers through the
    /// outbox"): PostgreSQL, where every statement of a resume is a round trip, gets twice SQLite's resumes in flight and at
    /// least 8; a configured value is kept on either provider.
    /// </summary>
    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, "3")]
    [InlineData(true, "3")]
    public void Scheduling_workers_default_follows_the_database_provider(bool postgreSql, string? configured)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(configured is null ? [] : [new("Scheduling:Workers", configured)]).Build();
        var database = postgreSql
            ? new Workflows.Persistence.DatabaseOptions { Provider = Workflows.Persistence.DatabaseProvider.PostgreSql, PostgreSqlConnectionString = "Host=127.0.0.1;Username=u;Password=p;Database=d" }
            : new Workflows.Persistence.DatabaseOptions { Path = Path.Combine(Path.GetTempPath(), "workers-default.db") };
        var services = new ServiceCollection();
        services.AddScheduling(config, database);
        using var provider = services.BuildServiceProvider();
        var workers = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SchedulingOptions>>().Value.Workers;
        var expected = configured is not null ? 3 : postgreSql ? Math.Max(8, Environment.ProcessorCount * 4) : Math.Max(2, Environment.ProcessorCount * 2);
        Assert.Equal(expected, workers);
    }

    private static string Normalise(object o)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(o, o.GetType()))!.AsObject();
        Strip(node);
        return node.ToJsonString();

        static void Strip(System.Text.Json.Nodes.JsonObject obj)
        {
            // Computed per machine and process, so left out of the file (commented there).
            obj.Remove(nameof(SchedulingOptions.NodeName));
            obj.Remove(nameof(SchedulingOptions.Workers));
            foreach (var (k, v) in obj.ToList())
                if (v is System.Text.Json.Nodes.JsonObject child) Strip(child);
                else if (v is System.Text.Json.Nodes.JsonValue s && s.TryGetValue<string>(out var text) && text == "") obj[k] = null;
        }
    }
}
