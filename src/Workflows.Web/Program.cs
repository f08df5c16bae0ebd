using MudBlazor.Services;
using Hangfire;
using Serilog;
using Workflows.Web;
using Workflows.Web.Api;
using Workflows.Web.Components;
using Workflows.Web.Components.Portal;
using Workflows.Web.Infrastructure;
using Workflows.Web.Localization;
using Workflows.Web.Studio;

// "verify-journal <instanceId>… | --all", "verify-bundle <file>" etc. (Commands.cs) run a command instead of serving; the remaining "--key value" pairs are configuration.
var (command, commandArgs, settings) = Commands.Split(args);
var builder = WebApplication.CreateBuilder(settings);
// Serve wwwroot and packages' static assets (MudBlazor) from the build output in every environment, not only Development.
builder.WebHost.UseStaticWebAssets();
// Each host keeps its own logger (preserveStaticLogger): hosts side by side, as in the tests, must not share one.
builder.Host.UseSerilog((ctx, config) => Logging.Configure(config, ctx.Configuration, ctx.HostingEnvironment.ContentRootPath), preserveStaticLogger: true);
builder.AddBackOffice();
builder.Services.AddWorkspace();
builder.Services.AddCocCare();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();
builder.Services.AddApiDocument();
builder.Services.AddBackOfficeLocalization();
builder.Services.AddMemberPortal();
builder.Services.AddSingleton<ScreenAccess>();
builder.Services.AddScoped<StudioDock>(); // one Elsa Studio per tab, kept across the shell's navigations

var app = builder.Build();

if (command is not null)
{
    await using (app) // disposing the host flushes the log's background queue before the command exits
        return await Commands.RunAsync(command, app, commandArgs);
}

await Startup.PrepareAsync(app.Services, app.Configuration, app.Environment);

app.UseRequestLocalization(); // Chinese unless the language cookie says English
app.UseMiddleware<SecurityHeaders>();
// Outside the exception handler, so the request log sees the status the client got (a refusal raised as an exception is
// a 4xx at Information, not "responded 500" at Error); unhandled errors are logged by ProblemMapping with their exception.
app.UseSerilogRequestLogging(o =>
{
    o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
    o.Logger = app.Services.GetRequiredService<Serilog.ILogger>(); // this host's logger, not the static one
    o.GetLevel = (http, _, error) => error is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error : Serilog.Events.LogEventLevel.Information;
});
app.UseExceptionHandler();
app.UseMiddleware<RequestLimits>();
app.UseStatusCodePages();
app.UseMiddleware<UnknownPaths>();

app.UseAuthentication();
app.UseMiddleware<Workflows.Web.Identity.SessionValidation>(); // a renewed security stamp or a disabled user ends the session now
app.UseMiddleware<AccessTrail>(); // before authorization, so refused calls are recorded too
app.UseAuthorization();
app.UseAntiforgery();
app.UseMiddleware<Workflows.Web.Identity.CookieAntiforgery>(); // cookie-authenticated API state changes need the token
// Hangfire's dashboard: Admins only (it shows and can re-run every job).
app.UseHangfireDashboard("/hangfire", new Hangfire.DashboardOptions
{
    Authorization = [new AdminOnlyDashboard()],
    AsyncAuthorization = [],
    DisplayStorageConnectionString = false,
    DashboardTitle = "Back office · Hangfire",
});

AccountApi.Map(app);
MemberAccountApi.Map(app);
AdminApi.Map(app);
app.MapCultureSwitch();
DefinitionsApi.Map(app);
Workflows.Web.Migration.MigrationsApi.Map(app);
InstancesApi.Map(app);
Workflows.Web.Evidence.EvidenceApi.Map(app);
Workflows.Web.Evidence.ReplayApi.Map(app);
TasksApi.Map(app);
CatalogueApi.Map(app);
MemberApi.Map(app);
PolicyApi.Map(app);
ReferenceDataApi.Map(app);
FollowUpApi.Map(app);
CocCareApi.Map(app);
IncidentsApi.Map(app);
WorkspaceApi.Map(app);
ClockApi.Map(app);
PharmacyApi.Map(app);
ElsaApi.Map(app);
app.MapApiDocument();
app.UseStudio();
app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunAsync();
return 0;

/// <summary>Exposed for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
