using System.Text.Json.Nodes;

namespace Workflows.Engine.Runtime;

/// <summary>
/// What staff correct in a faulted instance before retrying it: a JSON merge patch (RFC 7386) of its input — a key set to
/// null is removed, an object is merged, anything else replaces — and new values for declared variables.
/// </summary>
public sealed record IncidentCorrection(JsonObject? Input, JsonObject? Variables)
{
    public bool IsEmpty => (Input is null || Input.Count == 0) && (Variables is null || Variables.Count == 0);

    /// <summary>Applies the correction; returns the corrected fields ("input.details.hospital", "variables.x").</summary>
    public IReadOnlyList<string> Apply(InstanceState state)
    {
        var changed = new List<string>();
        if (Input is { Count: > 0 })
        {
            state.Input ??= new JsonObject();
            Merge(state.Input, Input, "input", changed);
        }
        if (Variables is not null)
            foreach (var (name, value) in Variables)
            {
                state.Variables[name] = value?.DeepClone();
                changed.Add($"variables.{name}");
            }
        return changed;
    }

    private static void Merge(JsonObject target, JsonObject patch, string path, List<string> changed)
    {
        foreach (var (key, value) in patch)
        {
            var here = $"{path}.{key}";
            if (value is null)
            {
                if (target.Remove(key)) changed.Add(here);
            }
            else if (value is JsonObject o && target[key] is JsonObject existing)
                Merge(existing, o, here, changed);
            else
            {
                target[key] = value.DeepClone();
                changed.Add(here);
            }
        }
    }
}
