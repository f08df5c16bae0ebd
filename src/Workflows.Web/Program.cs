using MudBlazor.Services;
using Hangfire;
using Serilog;
using Workflows.Web;
using Workflows.Web.Api;
using Workflows.Web.Components;
using Workflows.Web.Infrastructure;
using Workflows.Web.Studio;

// "verify-journal <instanceId>… | --all" runs a command instead of serving; the remaining "--key value" pairs are configuration.
var (command, commandArgs, settings) = Commands.Split(args);
var builder = WebApplication.CreateBuilder(settings);
// Serve wwwroot and packages' static assets (MudBlazor) from the build output in every environment, not only Development.
builder.WebHost.UseStaticWebAssets();
// Each host keeps its own logger (preserveStaticLogger): hosts side by side, as in the tests, must not share one.
builder.Host.UseSerilog((ctx, config) => Logging.Configure(config, ctx.Configuration, ctx.HostingEnvironment.ContentRootPath), preserveStaticLogger: true);
builder.AddBackOffice();
builder.Services.AddWorkspace();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();
builder.Services.AddAntiforgery();

var app = builder.Build();

if (command == "verify-journal")
    return await Commands.VerifyJournalAsync(app, commandArgs);

await Startup.PrepareAsync(app.Services, app.Configuration, app.Environment);

app.UseExceptionHandler();
app.UseMiddleware<RequestLimits>();
app.UseStatusCodePages();
app.UseSerilogRequestLogging(o =>
{
    o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
    o.Logger = app.Services.GetRequiredService<Serilog.ILogger>(); // this host's logger, not the static one
});

app.UseAuthentication();
app.UseMiddleware<AccessTrail>(); // before authorization, so refused calls are recorded too
app.UseAuthorization();
app.UseAntiforgery();
// Hangfire's dashboard: Admins only (it shows and can re-run every job).
app.UseHangfireDashboard("/hangfire", new Hangfire.DashboardOptions
{
    Authorization = [new AdminOnlyDashboard()],
    AsyncAuthorization = [],
    DisplayStorageConnectionString = false,
    DashboardTitle = "Back office · Hangfire",
});

AccountApi.Map(app);
DefinitionsApi.Map(app);
InstancesApi.Map(app);
TasksApi.Map(app);
CatalogueApi.Map(app);
MemberApi.Map(app);
PolicyApi.Map(app);
FollowUpApi.Map(app);
WorkspaceApi.Map(app);
ClockApi.Map(app);
ElsaApi.Map(app);
app.UseStudio();
app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunAsync();
return 0;

/// <summary>Exposed for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
