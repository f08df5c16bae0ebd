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
        if (exception is Workflows.Domain.ReferenceData.ReferenceDataException rd)
        {
            // Each problem with its line and column, in Chinese and English; errors keyed by column ("file" for the whole file).
            details.Title = rd.Title;
            details.Detail = string.Join(" ", rd.Errors.Take(20).Select(e => e.MessageZh)) + (rd.Errors.Count > 20 ? $" …（共 {rd.Errors.Count} 处）" : "");
            details.Extensions["errors"] = rd.Errors.GroupBy(e => e.Column ?? "file").ToDictionary(g => g.Key, g => g.Select(e => $"{e.MessageZh} / {e.MessageEn}").ToArray());
            details.Extensions["rows"] = rd.Errors;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
        }
        var messages = exception switch
        {
            WorkflowValidationException v => v.Errors.Select(e => e.Message).ToArray(),
            Workflows.Domain.Policies.PolicyImportException p => p.Errors.Select(e => e.Message).ToArray(),
            _ => [details.Detail!],
        };
        if (exception is Workflows.Domain.Policies.PolicyImportException pe) details.Extensions["rows"] = pe.Errors;
        details.Extensions["errors"] = exception switch
        {
            Workflows.Domain.Tasks.TaskRequestException tr => new Dictionary<string, string[]> { [tr.Field] = messages },
            Identity.AccountRequestException ae => new Dictionary<string, string[]> { [ae.Field] = [ae.Message], ["Root"] = [ae.Message] },
            Migration.MigrationRequestException me => new Dictionary<string, string[]> { [me.Field] = [me.Message], ["Root"] = [me.Message] },
            _ => new Dictionary<string, string[]> { ["Root"] = messages },
        };
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
        Identity.AccountRequestException a => (a.Status, "The request is not valid"),
        Migration.MigrationRequestException m => (m.Status, m.Status == 409 ? "Conflict" : m.Status == 404 ? "Not found" : "The request is not valid"),
        Workflows.Domain.Applications.ApplicationRequestException a => (a.Status, a.Title),
        Workflows.Domain.ReferenceData.ReferenceDataException r => (r.Status, r.Title),
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
        JsonException j => DescribeJson(j),
        BadHttpRequestException { StatusCode: 413 } => "The request body is larger than the back office accepts.",
        BadHttpRequestException b when b.InnerException is JsonException j => DescribeJson(j),
        BadHttpRequestException b when b.StatusCode == 415 => "The request body must be JSON: send it with Content-Type: application/json.",
        BadHttpRequestException b => Humane(b.Message),
        // Framework argument checks ("Value to add was out of range. (Parameter 'value')") are not for people.
        ArgumentException { ParamName: not null } => "A value in the request is outside what the back office accepts (for example a date or a number far too large).",
        _ => Humane(e.Message),
    };

    /// <summary>
    /// What is wrong with a JSON body, in words: where (line, position, field) and what was expected, never a .NET type name.
    /// </summary>
    private static string DescribeJson(JsonException j)
    {
        var where = j.LineNumber is { } l ? $" (line {l + 1}, position {j.BytePositionInLine})" : "";
        var field = j.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        var converted = System.Text.RegularExpressions.Regex.Match(j.Message, @"could not be converted to (?<type>[\w.+`\[\], ]+?)\.(?: Path|$)");
        if (converted.Success)
        {
            var expected = Expected(FieldType(converted.Groups["type"].Value, field) ?? converted.Groups["type"].Value);
            return field is null
                ? $"The request body{where} is not what this address expects: it must be a JSON object of {expected}; check that every text is valid Unicode."
                : $"The field '{field}'{where} must be {expected}.";
        }
        return $"The request body is not valid JSON{where}{(field is null ? "" : $" near the field '{field}'")}.";
    }

    /// <summary>
    /// The type of <paramref name="field"/> when the message names the object that holds it (as System.Text.Json does for
    /// records bound through their constructor): found by reflection, so the message can say what the field must be.
    /// </summary>
    private static string? FieldType(string typeName, string? field)
    {
        if (field is null || field.Contains('.') || field.Contains('[')) return null;
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName, throwOnError: false)).FirstOrDefault(t => t is not null);
        var property = type?.GetProperty(field, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
        if (property is null) return null;
        var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return t.FullName;
    }

    /// <summary>A .NET type named in a message, as a person would say it.</summary>
    public static string Expected(string typeName)
    {
        var t = typeName.Trim();
        var nullable = t.StartsWith("System.Nullable`1[", StringComparison.Ordinal);
        if (nullable) t = t["System.Nullable`1[".Length..].TrimEnd(']').Split(',')[0];
        return t switch
        {
            "System.String" => "text",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" => "a whole number",
            "System.Decimal" or "System.Double" or "System.Single" => "a number",
            "System.Boolean" => "true or false",
            "System.DateTimeOffset" or "System.DateTime" => "a date and time with its UTC offset, such as 2026-12-01T09:30:00+08:00",
            "System.DateOnly" => "a date such as 2026-12-01",
            "System.TimeOnly" => "a time such as 09:30",
            "System.Guid" => "an id",
            _ when t.Contains("[]", StringComparison.Ordinal) || t.Contains("List`1", StringComparison.Ordinal) => "a list",
            _ => "the expected fields",
        };
    }

    /// <summary>Replaces .NET type names left in a message by words.</summary>
    public static string Humane(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"\b(?:System|Workflows|Microsoft)\.[\w.+`]+(?:\[[^\]]*\])?", m => Expected(m.Value));

    /// <summary>A problem result for handlers that refuse a request themselves.</summary>
    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["Root"] = [detail] } });
}
