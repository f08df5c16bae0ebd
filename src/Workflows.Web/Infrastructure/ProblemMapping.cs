using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// Turns every domain exception into a problem+json response a person can act on, in one place.
/// Unknown exceptions become a 500 without internals; the details go to the log.
/// </summary>
public sealed class ProblemMapping(IProblemDetailsService problems, ILogger<ProblemMapping> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, title) = Classify(exception);
        if (status >= 500) logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
        else logger.LogInformation("Refused {Method} {Path}: {Status} {ExceptionType}", http.Request.Method, http.Request.Path, status, exception.GetType().Name);

        http.Response.StatusCode = status;
        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = status >= 500 ? "The back office could not complete the request. The error was logged." : Describe(exception),
            Type = $"https://httpstatuses.io/{status}",
        };
        // Elsa Studio shows errors.Root[] in its snackbar.
        if (exception is Workflows.Engine.Activities.Forms.FormValidationException form)
        {
            // The form's errors by field, each message in Chinese and English, and the typed list for the UI.
            details.Title = "表单有误 / The form has errors";
            details.Detail = string.Join(" ", form.Errors.Select(e => e.MessageZh)) + " " + string.Join(" ", form.Errors.Select(e => e.MessageEn));
            details.Extensions["errors"] = form.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => $"{e.MessageZh} / {e.MessageEn}").ToArray());
            details.Extensions["fieldErrors"] = form.Errors;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
        }
        var messages = exception switch
        {
            WorkflowValidationException v => v.Errors.Select(e => e.Message).ToArray(),
            Workflows.Domain.Policies.PolicyImportException p => p.Errors.Select(e => e.Message).ToArray(),
            _ => [details.Detail!],
        };
        if (exception is Workflows.Domain.Policies.PolicyImportException pe) details.Extensions["rows"] = pe.Errors;
        details.Extensions["errors"] = exception is Workflows.Domain.Tasks.TaskRequestException tr
            ? new Dictionary<string, string[]> { [tr.Field] = messages }
            : new Dictionary<string, string[]> { ["Root"] = messages };
        if (exception is Workflows.Domain.Tasks.TaskConflictException tc)
        {
            details.Extensions["heldBy"] = tc.HeldBy;
            details.Extensions["revision"] = tc.Revision;
        }
        if (exception is WorkflowValidationException ve)
            details.Extensions["activities"] = ve.Errors.Where(e => e.ActivityId is not null).Select(e => e.ActivityId).Distinct().ToArray();
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
    }

    public static (int Status, string Title) Classify(Exception e) => e switch
    {
        WorkflowValidationException => (400, "The workflow is not valid"),
        ResumeRejectedException => (400, "The task cannot be completed like this"),
        ExpressionException => (400, "An expression is not valid"),
        UnknownActivityTypeException => (400, "Unknown activity type"),
        JsonException => (400, "The request body is not valid JSON"),
        BadHttpRequestException b => (b.StatusCode, b.StatusCode == 413 ? "The request is too large" : "The request is not valid"),
        DefinitionNotFoundException or InstanceNotFoundException or BookmarkNotFoundException or WorkflowNotFoundException => (404, "Not found"),
        Workflows.Domain.Tasks.TaskNotFoundException => (404, "Not found"),
        Workflows.Domain.Tasks.TaskConflictException => (409, "Conflict: the task is held or changed"),
        Workflows.Domain.Tasks.TaskActionForbiddenException => (403, "Forbidden"),
        Workflows.Domain.Tasks.TaskRequestException => (400, "The request is not valid"),
        Workflows.Domain.Applications.ApplicationRequestException a => (a.Status, a.Title),
        Workflows.Domain.Policies.PolicyImportException p => (p.IsDuplicate ? 409 : 400, p.IsDuplicate ? "Duplicate policy" : "The policy import is not valid"),
        EffectRefusedException => (409, "Conflict"),
        KeyNotFoundException => (404, "Not found"),
        ConcurrencyConflictException => (409, "Conflict: changed by someone else"),
        BookmarkClosedException => (409, "The task was already completed"),
        DefinitionConflictException or InstanceStateException => (409, "Conflict"),
        IdempotencyKeyException => (422, "Idempotency key misuse"),
        DefinitionException or ArgumentException or FormatException => (400, "The request is not valid"),
        _ => (500, "Internal error"),
    };

    private static string Describe(Exception e) => e switch
    {
        JsonException j => $"The request body is not valid JSON{(j.LineNumber is { } l ? $" (line {l + 1}, position {j.BytePositionInLine})" : "")}: {Trim(j.Message)}",
        BadHttpRequestException { StatusCode: 413 } => "The request body is larger than the back office accepts.",
        BadHttpRequestException b when b.InnerException is JsonException j => Describe(j),
        _ => e.Message,
    };

    private static string Trim(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }

    /// <summary>A problem result for handlers that refuse a request themselves.</summary>
    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["Root"] = [detail] } });
}
