using Workflows.Engine.Activities.Forms;

namespace Workflows.Web.Components.Workspace;

/// <summary>What a completion attempt came to: done, or refused with errors per field and/or a message for the whole form.</summary>
public sealed record CompletionResult(bool Completed, IReadOnlyList<FormError> Errors, string? Message)
{
    public static readonly CompletionResult Done = new(true, [], null);
    public static CompletionResult Refused(IReadOnlyList<FormError> errors) => new(false, errors, null);
    public static CompletionResult Failed(string message) => new(false, [], message);
}
