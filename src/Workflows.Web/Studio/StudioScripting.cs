using System.Text;
using System.Text.Json;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Studio;

/// <summary>
/// The TypeScript declarations Studio's JavaScript editor (Monaco) loads for completion:
/// <c>POST /scripting/javascript/type-definitions/{definitionId}</c> with <c>{workflowDefinitionId, activityTypeName, propertyName}</c>,
/// answered as <c>application/x-typescript</c> text. They declare exactly what <see cref="Workflows.Engine.Expressions.JavaScriptSandbox"/>
/// gives a script: <c>variables</c> (this workflow's, typed), <c>input</c>, <c>getVariable</c>, <c>setVariable</c>,
/// <c>workflowInstanceId</c>, <c>correlationId</c>; and, for the input being edited, what value it needs.
/// </summary>
public static class StudioScripting
{
    public static void Map(RouteGroupBuilder elsa) =>
        elsa.MapPost("/scripting/javascript/type-definitions/{definitionId}", TypeDefinitions).RequireAuthorization(Policies.ReadDefinitions);

    public sealed record Request(string? WorkflowDefinitionId, string? ActivityTypeName, string? PropertyName);

    private static async Task<IResult> TypeDefinitions(DefinitionStore store, ActivityRegistry registry, HttpContext http, string definitionId, CancellationToken ct)
    {
        Request? request = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            try { request = await JsonSerializer.DeserializeAsync<Request>(http.Request.Body, WorkflowJson.Options, ct); }
            catch (JsonException) { throw new ArgumentException("The body must be JSON: {workflowDefinitionId, activityTypeName, propertyName}."); }
        }
        var record = await store.GetLatestAsync(definitionId, ct);
        if (record is null) return ProblemMapping.Problem(404, "Not found", $"Workflow '{definitionId}' does not exist.");
        var definition = WorkflowJson.Deserialize(record.Json);
        InputDescriptor? input = null;
        if (request?.ActivityTypeName is { } typeName && registry.TryGet(typeName, out var type))
            input = type.Descriptor.Inputs.FirstOrDefault(i => string.Equals(i.Name, request.PropertyName, StringComparison.OrdinalIgnoreCase));
        var text = Declarations(definition, input, input is null ? null : registry.Get(request!.ActivityTypeName!).Inputs.First(b => b.Descriptor == input).ClrType);
        return TypedResults.File(Encoding.UTF8.GetBytes(text), "application/x-typescript", $"elsa.{definitionId}.d.ts");
    }

    public static string Declarations(WorkflowDefinition definition, InputDescriptor? input, Type? inputType)
    {
        var d = new StringBuilder();
        d.AppendLine($"// Workflow '{definition.Name}': what a JavaScript expression can use (no .NET, no network, no timers).");
        if (input is not null && inputType is not null)
        {
            d.Append($"// This input, '{input.DisplayName}', needs {PublishChecks.Needed(inputType)}");
            d.AppendLine(input.Options is { } options ? $": one of {string.Join(", ", options.Select(o => $"'{o}'"))} (as text, in quotes)." : ".");
        }
        d.AppendLine("interface WorkflowVariables {");
        foreach (var v in definition.Variables.Where(v => IsIdentifier(v.Name)))
            d.AppendLine($"    {v.Name}: {TsType(v)};");
        d.AppendLine("}");
        d.AppendLine("/** The workflow's variables, by name (a copy: use setVariable to change one). */");
        d.AppendLine("declare const variables: WorkflowVariables;");
        d.AppendLine("/** The input the case was started with (e.g. input.applicationId). */");
        d.AppendLine("declare const input: { [name: string]: any };");
        var names = definition.Variables.Select(v => JsonSerializer.Serialize(v.Name)).ToList();
        d.AppendLine($"declare function getVariable(name: {(names.Count > 0 ? string.Join(" | ", names) : "string")}): any;");
        d.AppendLine("declare function setVariable(name: string, value: any): void;");
        d.AppendLine("declare const workflowInstanceId: string;");
        d.AppendLine("declare const correlationId: string | null;");
        return d.ToString();
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] is '_' or '$') && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '$');

    private static string TsType(VariableDefinition v)
    {
        var element = v.TypeName.TrimEnd('[', ']') switch
        {
            "String" => "string",
            "Boolean" => "boolean",
            "Int32" or "Int64" or "Double" or "Decimal" => "number",
            "DateTime" or "TimeSpan" => "string",
            _ => "any",
        };
        return v.IsArray || v.TypeName.EndsWith("[]", StringComparison.Ordinal) ? element + "[]" : element;
    }
}
