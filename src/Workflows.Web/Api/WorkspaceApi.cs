using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Engine.Activities.Forms;
using Workflows.Web.Infrastructure;
using Workflows.Web.Workspace;

namespace Workflows.Web.Api;

/// <summary>
/// The staff workspace's API: task forms (form, option search, check), the case view with reveal, case search,
/// applications taken by phone, and the COC workspace. See docs/workspace-forms.md.
/// </summary>
public static class WorkspaceApi
{
    public static IServiceCollection AddWorkspace(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddSingleton<ITaskSource, BookmarkTaskSource>();
        services.AddScoped<ITaskForms, TaskForms>();
        services.AddScoped<ICaseService, CaseService>();
        services.AddScoped<IPhoneApplications, PhoneApplications>();
        services.AddScoped<ICocWorkspace, CocWorkspaceService>();
        return services;
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        var forms = app.MapGroup("").RequireAuthorization(Policies.WorkTasks).WithTags("Task forms");
        forms.MapGet(WorkspaceRoutes.TaskForm, Form);
        forms.MapGet(WorkspaceRoutes.TaskOptions, Options);
        forms.MapPost(WorkspaceRoutes.TaskValidate, Validate);

        var cases = app.MapGroup("").RequireAuthorization(Policies.ReadCases).WithTags("Cases");
        cases.MapGet(WorkspaceRoutes.TaskCase, CaseOfTask);
        cases.MapGet(WorkspaceRoutes.Cases, Search);
        cases.MapGet(WorkspaceRoutes.Case, Case);
        app.MapPost(WorkspaceRoutes.Reveal, Reveal).RequireAuthorization(Policies.RevealPersonalData).WithTags("Cases");

        var phone = app.MapGroup("").RequireAuthorization(Policies.FileApplications).WithTags("Phone applications");
        phone.MapGet(WorkspaceRoutes.Channels, Channels);
        phone.MapPost(WorkspaceRoutes.PhoneApplications, File);

        app.MapGet(WorkspaceRoutes.CocWorkspace, Coc).RequireAuthorization(Policies.KeepCareRecords).WithTags("COC");
    }

    private static NotFound<ProblemDetailsBody> NoTask(string taskId) => TypedResults.NotFound(new ProblemDetailsBody($"没有可由您处理的任务 {taskId}。 There is no open task {taskId} you may work."));

    private static async Task<Results<Ok<TaskFormView>, NotFound<ProblemDetailsBody>>> Form(ITaskForms forms, HttpContext http, string taskId, CancellationToken ct) =>
        await forms.GetAsync(taskId, http.User, ct) is { } view ? TypedResults.Ok(view) : NoTask(taskId);

    private static async Task<Results<Ok<IReadOnlyList<FormOption>>, NotFound<ProblemDetailsBody>>> Options(ITaskForms forms, HttpContext http, string taskId, string field,
        string? q, int? take, CancellationToken ct) =>
        await forms.OptionsAsync(taskId, field, q, take ?? 20, http.User, ct) is { } options
            ? TypedResults.Ok(options)
            : TypedResults.NotFound(new ProblemDetailsBody($"任务 {taskId} 没有可搜索选项的字段“{field}”。 Task {taskId} has no searchable field '{field}'."));

    public sealed record CheckRequest(string? Outcome, JsonObject? Data);

    private static async Task<Results<Ok<FormCheck>, NotFound<ProblemDetailsBody>>> Validate(ITaskForms forms, HttpContext http, string taskId, CheckRequest? request, CancellationToken ct) =>
        await forms.CheckAsync(taskId, request?.Outcome, request?.Data, http.User, ct) is { } check ? TypedResults.Ok(check) : NoTask(taskId);

    private static async Task<Results<Ok<CaseView>, NotFound<ProblemDetailsBody>>> CaseOfTask(ICaseService cases, HttpContext http, string taskId, CancellationToken ct) =>
        await cases.ForTaskAsync(taskId, http.User, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound(new ProblemDetailsBody($"任务 {taskId} 不属于任何申请。 Task {taskId} belongs to no application."));

    private static async Task<Results<Ok<CaseView>, NotFound<ProblemDetailsBody>>> Case(ICaseService cases, HttpContext http, string applicationId, CancellationToken ct) =>
        await cases.GetAsync(applicationId, http.User, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound(new ProblemDetailsBody($"没有申请 {applicationId}。 There is no application {applicationId}."));

    private static async Task<Results<Ok<CasePage>, ProblemHttpResult>> Search(ICaseService cases, HttpContext http, string? policyNumber, string? memberName,
        string? service, string? status, string? from, string? to, string? channel, string? after, int? pageSize, CancellationToken ct)
    {
        static bool Date(string? text, out DateOnly? value)
        {
            value = null;
            if (string.IsNullOrWhiteSpace(text)) return true;
            if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)) return false;
            value = d;
            return true;
        }
        if (!Date(from, out var f) || !Date(to, out var t))
            return ProblemMapping.Problem(400, "日期有误 / Invalid date", "from 和 to 为北京时间日期 yyyy-MM-dd。 from and to are dates, yyyy-MM-dd (Beijing time).");
        if (pageSize is < 1 or > 200)
            return ProblemMapping.Problem(400, "每页条数有误 / Invalid page size", "pageSize 应在 1 到 200 之间。 pageSize must be between 1 and 200.");
        return TypedResults.Ok(await cases.SearchAsync(new CaseQuery(policyNumber, memberName, service, status, f, t, channel, after, pageSize ?? 50), http.User, ct));
    }

    private static async Task<Results<Ok<RevealResult>, NotFound<ProblemDetailsBody>>> Reveal(ICaseService cases, HttpContext http, string applicationId, RevealRequest request,
        CancellationToken ct) =>
        await cases.RevealAsync(applicationId, request, http.User, ct) is { } result
            ? TypedResults.Ok(result)
            : TypedResults.NotFound(new ProblemDetailsBody($"没有申请 {applicationId}。 There is no application {applicationId}."));

    private static Ok<IReadOnlyList<ChannelView>> Channels(IPhoneApplications phone) => TypedResults.Ok(phone.Channels);

    private static async Task<Created<CaseView>> File(IPhoneApplications phone, HttpContext http, PhoneApplicationRequest request,
        [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        var view = await phone.FileAsync(request, http.User, key, ct);
        return TypedResults.Created($"/api/cases/{view.ApplicationId}", view);
    }

    private static async Task<Ok<CocWorkspace>> Coc(ICocWorkspace coc, HttpContext http, CancellationToken ct) => TypedResults.Ok(await coc.GetAsync(http.User, ct));
}
