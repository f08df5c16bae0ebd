using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Jint;
using JsEngine = Jint.Engine;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Interop;

namespace Workflows.Engine.Expressions;

/// <summary>Limits for analysts' JavaScript: no CLR access at all, and bounded statements, time, memory and recursion.</summary>
public sealed record JavaScriptLimits
{
    public int MaxStatements { get; init; } = 10_000;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(500);
    public long MaxMemoryBytes { get; init; } = 32_000_000;
    public int MaxRecursion { get; init; } = 64;
    public int MaxScriptLength { get; init; } = 20_000;
}

/// <summary>
/// Evaluates JavaScript expressions with Jint. Values cross the boundary only as JSON, so a script sees plain
/// JavaScript objects and never a .NET one; the engine is created without <c>AllowClr</c>.
/// Globals: <c>variables</c>, <c>input</c>, <c>getVariable(name)</c>, <c>setVariable(name, value)</c>,
/// <c>workflowInstanceId</c>, <c>correlationId</c>.
/// </summary>
public sealed class JavaScriptSandbox(JavaScriptLimits limits)
{
    private readonly ConcurrentDictionary<string, Prepared<Acornima.Ast.Script>> _scripts = new();

    public JavaScriptLimits Limits { get; } = limits;

    /// <summary>Parses the script, throwing <see cref="ExpressionException"/> with the parser's message when it is not valid JavaScript.</summary>
    public void Validate(string code) => Prepare(code);

    public JsonNode? Evaluate(string code, IExpressionScope scope, CancellationToken cancellationToken = default)
    {
        var script = Prepare(code);
        var engine = new JsEngine(o => o
            .Strict()
            .MaxStatements(Limits.MaxStatements)
            .TimeoutInterval(Limits.Timeout)
            .LimitMemory(Limits.MaxMemoryBytes)
            .LimitRecursion(Limits.MaxRecursion)
            .CancellationToken(cancellationToken));
        var parser = new Jint.Native.Json.JsonParser(engine);
        var serializer = new Jint.Native.Json.JsonSerializer(engine);

        JsValue FromJson(JsonNode? node) => node is null ? JsValue.Null : parser.Parse(node.ToJsonString());
        JsonNode? ToJson(JsValue value)
        {
            if (value.IsUndefined() || value.IsNull()) return null;
            var json = serializer.Serialize(value);
            return json.IsUndefined() ? null : JsonNode.Parse(json.AsString());
        }

        engine.SetValue("variables", FromJson(scope.VariablesSnapshot()));
        engine.SetValue("input", FromJson(scope.Input));
        engine.SetValue("workflowInstanceId", scope.InstanceId);
        engine.SetValue("correlationId", scope.CorrelationId is null ? JsValue.Null : new JsString(scope.CorrelationId));
        engine.SetValue("getVariable", new ClrFunction(engine, "getVariable", (_, args) => FromJson(scope.GetVariable(args.At(0).ToString()))));
        engine.SetValue("setVariable", new ClrFunction(engine, "setVariable", (_, args) =>
        {
            scope.SetVariable(args.At(0).ToString(), ToJson(args.At(1)));
            return JsValue.Undefined;
        }));

        try
        {
            return ToJson(engine.Evaluate(script));
        }
        catch (StatementsCountOverflowException)
        {
            throw new ExpressionException($"The script was stopped: it ran more than {Limits.MaxStatements:N0} statements (an endless loop?).") { ScriptError = ExpressionException.LimitExceeded };
        }
        catch (TimeoutException)
        {
            throw new ExpressionException($"The script was stopped: it ran longer than {Limits.Timeout.TotalMilliseconds:N0} ms.") { ScriptError = ExpressionException.LimitExceeded };
        }
        catch (MemoryLimitExceededException)
        {
            throw new ExpressionException($"The script was stopped: it used more than {Limits.MaxMemoryBytes / 1_000_000:N0} MB of memory.") { ScriptError = ExpressionException.LimitExceeded };
        }
        catch (RecursionDepthOverflowException)
        {
            throw new ExpressionException($"The script was stopped: it recursed deeper than {Limits.MaxRecursion} calls.") { ScriptError = ExpressionException.LimitExceeded };
        }
        catch (JavaScriptException e)
        {
            var name = e.Error is Jint.Native.Object.ObjectInstance o ? o.Get("name").ToString() : null;
            throw new ExpressionException($"The script failed: {e.Message}") { ScriptError = name };
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e) when (e is not ExpressionException)
        {
            throw new ExpressionException($"The script failed: {e.Message}", e);
        }
    }

    private Prepared<Acornima.Ast.Script> Prepare(string code)
    {
        if (code.Length > Limits.MaxScriptLength)
            throw new ExpressionException($"The script is {code.Length:N0} characters long; at most {Limits.MaxScriptLength:N0} are allowed.");
        if (_scripts.TryGetValue(code, out var cached)) return cached;
        try
        {
            var prepared = JsEngine.PrepareScript(code, strict: true);
            if (_scripts.Count < 10_000) _scripts[code] = prepared;
            return prepared;
        }
        catch (Exception e)
        {
            throw new ExpressionException($"The script is not valid JavaScript: {e.Message}", e);
        }
    }
}

/// <summary>What an expression can see of the running instance.</summary>
public interface IExpressionScope
{
    string InstanceId { get; }
    string? CorrelationId { get; }
    JsonNode? Input { get; }
    JsonObject VariablesSnapshot();
    JsonNode? GetVariable(string name);
    void SetVariable(string name, JsonNode? value);
}
