using System.Text.Json.Nodes;

namespace Workflows.Engine.Runtime;

/// <summary>
/// The versions of the data a step's decisions used besides the definition (which every entry names): reference data,
/// service catalogue and business calendar. The first journal entry of every step records them under
/// <c>payload.versions</c>, with the step's clock (the entry's timestamp); replay asks for exactly these versions.
/// </summary>
public sealed record DecisionVersions(string? ReferenceData, string? Catalogue, string? Calendar)
{
    public const string PayloadKey = "versions";

    public JsonObject ToJson() => new()
    {
        ["referenceData"] = ReferenceData,
        ["catalogue"] = Catalogue,
        ["calendar"] = Calendar,
    };

    /// <summary>The versions a journal entry recorded, or null if it opens no step (or was written before versions were recorded).</summary>
    public static DecisionVersions? From(JournalEntry entry) =>
        entry.Payload?[PayloadKey] is JsonObject v
            ? new((string?)v["referenceData"], (string?)v["catalogue"], (string?)v["calendar"])
            : null;
}

/// <summary>Where a step learns the versions its decisions use (the host's domain registers one; replay substitutes the recorded ones).</summary>
public interface IDecisionVersionSource
{
    DecisionVersions Current { get; }
}

/// <summary>
/// Where an execution gets ids and random numbers. Activities reach both only through their context
/// (<see cref="ActivityContext.NewId"/>, <see cref="ActivityContext.NextRandom"/>), so replay can give back the recorded ids.
/// </summary>
public interface IExecutionSources
{
    string NewId();
    /// <summary>A random integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    int NextRandom(int minInclusive, int maxExclusive);
}

/// <summary>Live: UUID v7 ids and a cryptographic random source.</summary>
public sealed class LiveExecutionSources : IExecutionSources
{
    public static readonly LiveExecutionSources Instance = new();
    public string NewId() => Ids.New();
    public int NextRandom(int minInclusive, int maxExclusive) => System.Security.Cryptography.RandomNumberGenerator.GetInt32(minInclusive, maxExclusive);
}
