using System.Collections.Concurrent;
using System.ComponentModel;
using LinqExpression = System.Linq.Expressions.Expression;
using System.Reflection;
using System.Text.Json.Nodes;
using Workflows.Engine.Activities;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;

namespace Workflows.Engine.Descriptors;

/// <summary>
/// The activity types the engine can run. Each type's descriptor is produced from its class by reflection
/// (attributes and input properties), never written by hand, so what the designer shows is what runs.
/// </summary>
public sealed class ActivityRegistry
{
    private readonly ConcurrentDictionary<string, ActivityType> _types = new(StringComparer.Ordinal);

    public ActivityRegistry Add<T>() where T : Activity => Add(typeof(T));

    public ActivityRegistry Add(Type type)
    {
        var t = ActivityType.From(type);
        _types[t.Descriptor.TypeName] = t;
        return this;
    }

    /// <summary>Registers every concrete <see cref="Activity"/> with an <see cref="ActivityAttribute"/> in the assembly.</summary>
    public ActivityRegistry AddFromAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => !t.IsAbstract && typeof(Activity).IsAssignableFrom(t) && t.GetCustomAttribute<ActivityAttribute>() is not null))
            Add(type);
        return this;
    }

    public IReadOnlyCollection<ActivityDescriptor> Descriptors =>
        _types.Values.Select(t => t.Descriptor).OrderBy(d => d.Category).ThenBy(d => d.DisplayName).ToList();

    public bool TryGet(string typeName, out ActivityType type) => _types.TryGetValue(typeName, out type!);

    public ActivityType Get(string typeName) =>
        TryGet(typeName, out var t) ? t : throw new UnknownActivityTypeException(typeName);
}

public sealed class UnknownActivityTypeException(string typeName) : Exception($"Unknown activity type '{typeName}'.")
{
    public string TypeName { get; } = typeName;
}

/// <summary>An activity class with its descriptor and fast setters for its inputs.</summary>
public sealed class ActivityType
{
    public required ActivityDescriptor Descriptor { get; init; }
    public required IReadOnlyList<InputBinding> Inputs { get; init; }
    private Func<Activity> _factory = null!;

    public Activity Create() => _factory();

    public static ActivityType From(Type type)
    {
        var attr = type.GetCustomAttribute<ActivityAttribute>()
                   ?? throw new InvalidOperationException($"{type.Name} has no [Activity] attribute.");
        var ports = type.GetCustomAttribute<PortsAttribute>()?.Ports ?? [Activity.DefaultPort];
        var bindings = new List<InputBinding>();
        var inputs = new List<InputDescriptor>();
        var order = 0;
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var ia = p.GetCustomAttribute<InputAttribute>();
            if (ia is null) continue;
            var descriptor = new InputDescriptor
            {
                Name = p.Name,
                TypeName = TypeAliases.For(p.PropertyType),
                DisplayName = ia.DisplayName ?? Humanize(p.Name),
                Description = ia.Description ?? p.GetCustomAttribute<DescriptionAttribute>()?.Description,
                Order = ia.Order != 0 ? ia.Order : order,
                UIHint = ia.Options is not null && ia.UIHint == InputUIHints.SingleLine ? InputUIHints.DropDown : ia.UIHint,
                Category = ia.Category,
                DefaultValue = ia.DefaultValue is null ? null : JsonValue.Create(Convert.ToString(ia.DefaultValue, System.Globalization.CultureInfo.InvariantCulture)),
                DefaultSyntax = ia.DefaultSyntax,
                IsSensitive = ia.IsSensitive,
                Required = ia.Required,
                DefinesPorts = ia.DefinesPorts,
                UISpecifications = ia.Options is null ? null : DropDownSpec(ia.Options),
                Options = ia.Options,
            };
            order++;
            inputs.Add(descriptor);
            bindings.Add(new InputBinding(descriptor, p.PropertyType, CompileSetter(type, p)));
        }

        var newExpr = LinqExpression.Lambda<Func<Activity>>(LinqExpression.Convert(LinqExpression.New(type), typeof(Activity))).Compile();
        return new ActivityType
        {
            Descriptor = new ActivityDescriptor
            {
                TypeName = attr.TypeName,
                Namespace = attr.Namespace,
                Name = attr.Name,
                Category = attr.Category,
                DisplayName = attr.DisplayName ?? Humanize(attr.Name),
                DisplayNameZh = attr.DisplayNameZh,
                Description = attr.Description,
                Inputs = inputs,
                Kind = attr.Kind,
                Ports = ports.Select(n => new PortDescriptor(n, Humanize(n))).ToList(),
                IsStart = attr.IsStart,
                IsTerminal = attr.IsTerminal,
            },
            Inputs = bindings,
            _factory = newExpr,
        };
    }

    /// <summary>The ports a node has: the fixed ones plus those its port-defining inputs list.</summary>
    public IReadOnlyList<string> PortsOf(ActivityNode node)
    {
        var ports = Descriptor.Ports.Select(p => p.Name).ToList();
        foreach (var input in Descriptor.Inputs.Where(i => i.DefinesPorts))
        {
            var expr = node.GetInput(input.Name)?.Expression;
            var literal = expr is { Type: ExpressionTypes.Literal or ExpressionTypes.Object } ? expr.Value : input.DefaultValue;
            ports.AddRange(ValueConverter.PortNames(literal));
        }
        return ports.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The options of a dropdown input in the shape Elsa Studio reads: <c>uiSpecifications.dropdown.selectList.items</c> of
    /// <c>{text, value}</c> pairs (Studio shows an empty list for any other key).
    /// </summary>
    private static JsonObject DropDownSpec(string[] options) => new()
    {
        [InputUIHints.DropDown] = new JsonObject
        {
            ["selectList"] = new JsonObject
            {
                ["items"] = new JsonArray(options.Select(o => (JsonNode)new JsonObject { ["text"] = o, ["value"] = o }).ToArray()),
                ["isFlagsEnum"] = false,
            },
        },
    };

    private static Action<Activity, object?> CompileSetter(Type type, PropertyInfo p)
    {
        var target = LinqExpression.Parameter(typeof(Activity));
        var value = LinqExpression.Parameter(typeof(object));
        var body = LinqExpression.Assign(LinqExpression.Property(LinqExpression.Convert(target, type), p), LinqExpression.Convert(value, p.PropertyType));
        return LinqExpression.Lambda<Action<Activity, object?>>(body, target, value).Compile();
    }

    internal static string Humanize(string name)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1])) sb.Append(' ');
            sb.Append(name[i]);
        }
        return sb.ToString();
    }
}

public sealed record InputBinding(InputDescriptor Descriptor, Type ClrType, Action<Activity, object?> Set);

/// <summary>The type names the designer shows for CLR input types.</summary>
public static class TypeAliases
{
    public static string For(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string)) return "String";
        if (t == typeof(bool)) return "Boolean";
        if (t == typeof(int)) return "Int32";
        if (t == typeof(long)) return "Int64";
        if (t == typeof(double)) return "Double";
        if (t == typeof(decimal)) return "Decimal";
        if (t == typeof(TimeSpan)) return "TimeSpan";
        if (t == typeof(DateTimeOffset) || t == typeof(DateTime)) return "DateTime";
        if (t.IsEnum) return "String";
        if (typeof(IEnumerable<string>).IsAssignableFrom(t)) return "String[]";
        return "Object";
    }
}
