using MudBlazor.Services;
using Serilog;
using Workflows.Web;
using Workflows.Web.Api;
using Workflows.Web.Components;
using Workflows.Web.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.Host.UseSerilog((ctx, config) => Logging.Configure(config, ctx.Configuration, ctx.HostingEnvironment.ContentRootPath));
builder.AddBackOffice();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();
builder.Services.AddAntiforgery();

var app = builder.Build();

if (args.Length > 0 && args[0] == "verify-journal")
    return await Commands.VerifyJournalAsync(app, args[1..]);

await Startup.PrepareAsync(app.Services, app.Configuration, app.Environment);

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSerilogRequestLogging(o => o.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms");
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseMiddleware<AccessTrail>();
app.UseAntiforgery();

AccountApi.Map(app);
DefinitionsApi.Map(app);
InstancesApi.Map(app);
TasksApi.Map(app);
CatalogueApi.Map(app);
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.RunAsync();
return 0;

/// <summary>Exposed for the integration tests' WebApplicationFactory.</summary>
public partial class Program;
