using System.Reflection;
using System.Text.Json.Nodes;
using Workflows.Domain.Catalogue;

namespace Workflows.Domain.Tests;

/// <summary>
/// The service catalogue is the one source of each service's rules, so every field in service-catalogue.json must have a
/// reader: a property of <see cref="ServiceDefinition"/> (or of its nested records) that code outside the catalogue
/// itself uses. This test lists each field with its readers and fails when a field exists that no code reads, except the
/// fields in <see cref="NotYetRead"/> (empty since issue 11: the gap may not reopen).
/// </summary>
public sealed class CatalogueFieldReaderTests
{
    /// <summary>
    /// Fields for people, not rules: where each rule comes from in the handbooks, the contradictions list, and each
    /// service's <c>forPeople</c> part (the handbook's wording of who may use it, reimbursement, prescription and voucher
    /// terms, hotline channel…: shown to staff, enforced — where enforced — by the code named in docs/domain-rules.md).
    /// </summary>
    private static readonly HashSet<string> ForPeople = ["sources", "sources.file", "sources.lines", "sources.quote", "conflicts", "forPeople"];

    private static bool IsForPeople(string field) => ForPeople.Contains(field) || field.StartsWith("forPeople.", StringComparison.Ordinal);

    /// <summary>Fields no code reads yet: none. A rule field added to the catalogue needs its reader (or belongs in forPeople).</summary>
    private static readonly HashSet<string> NotYetRead = [];

    private static string Root([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", ".."));

    /// <summary>Every field path in the catalogue file ("slas.name" for a field of the objects in the slas list).</summary>
    private static SortedSet<string> Fields()
    {
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        var p = path.Length == 0 ? key : $"{path}.{key}";
                        fields.Add(p);
                        Walk(value, p);
                    }
                    break;
                case JsonArray a:
                    foreach (var item in a) Walk(item, path);
                    break;
            }
        }
        var catalogue = JsonNode.Parse(File.ReadAllText(Path.Combine(Root(), "src", "Workflows.Domain", "Catalogue", "service-catalogue.json")))!.AsArray();
        foreach (var service in catalogue) Walk(service, "");
        return fields;
    }

    /// <summary>The C# property a field path binds to, following nested records and lists; null when nothing binds it.</summary>
    private static PropertyInfo? Property(string path)
    {
        var type = typeof(ServiceDefinition);
        PropertyInfo? property = null;
        foreach (var name in path.Split('.'))
        {
            property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null) return null;
            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)) type = type.GetGenericArguments()[0];
        }
        return property;
    }

    [Fact]
    public void Every_catalogue_field_has_a_reader_outside_the_catalogue()
    {
        var code = Directory.EnumerateFiles(Path.Combine(Root(), "src"), "*.*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
                        && !f.Contains($"{Path.DirectorySeparatorChar}Catalogue{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(Root(), f), File.ReadAllText);

        var unread = new List<string>();
        var readers = new List<string>();
        foreach (var field in Fields().Where(f => !IsForPeople(f)))
        {
            var property = Property(field);
            var files = property is null ? [] : code.Where(c => c.Value.Contains("." + property.Name, StringComparison.Ordinal)).Select(c => c.Key).ToList();
            if (files.Count == 0) unread.Add(field);
            else readers.Add($"{field} → {property!.DeclaringType!.Name}.{property.Name}: {string.Join(", ", files.Take(3))}");
        }

        Assert.True(readers.Count > 20, string.Join("\n", readers));
        var newlyUnread = unread.Except(NotYetRead).ToList();
        Assert.True(newlyUnread.Count == 0, $"Catalogue fields no code reads: {string.Join(", ", newlyUnread)}");
        var nowRead = NotYetRead.Except(unread).ToList();
        Assert.True(nowRead.Count == 0, $"Now read (remove from NotYetRead): {string.Join(", ", nowRead)}");
    }
}
