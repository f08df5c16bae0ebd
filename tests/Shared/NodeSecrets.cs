using Workflows.Persistence.Evidence;

namespace Workflows.Tests;

/// <summary>
/// The evidence keys every node of a cluster shares (docs/operations.md, "Each node needs"): made once by the product's
/// own <see cref="EvidenceKeys.LoadOrCreate"/> and copied into one folder per node, the way a secrets volume would be
/// mounted on each machine before the first start.
/// </summary>
public static class NodeSecrets
{
    public static void ProvisionEvidenceKeys(IReadOnlyList<string> nodeKeyDirectories)
    {
        var first = nodeKeyDirectories[0];
        EvidenceKeys.LoadOrCreate(first, () => [], TimeProvider.System);
        foreach (var dir in nodeKeyDirectories.Skip(1))
        {
            Directory.CreateDirectory(dir);
            foreach (var file in Directory.GetFiles(first)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)), overwrite: true);
        }
    }
}
