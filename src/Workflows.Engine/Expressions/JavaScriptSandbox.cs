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

    private static readonly AsyncLocal<EngineLease?> Reuse = new();

    /// <summary>
    /// Until disposed, evaluations in this async flow (one replay of one case) share prepared engines instead of creating
    /// one per evaluation. Only scripts without top-level declarations run on a shared engine (a <c>let</c> could not be
    /// declared twice, a <c>var</c> would carry its value over); after each one the global object is put back as it was.
    /// Every limit applies per evaluation as before. Live runs keep a fresh engine per evaluation.
    /// </summary>
    public IDisposable ReuseEngines()
    {
        var lease = new EngineLease(this, Reuse.Value);
        Reuse.Value = lease;
        return lease;
    }

    public JsonNode? Evaluate(string code, IExpressionScope scope, CancellationToken cancellationToken = default)
    {
        var script = Prepare(code);
        var lease = Reuse.Value is { Disposed: false } l && !DeclaresGlobals(script) ? l : null;
        var engine = lease?.Rent() ?? new PreparedEngine(Limits);
        engine.Begin(scope, cancellationToken);
        try
        {
            var result = engine.ToJson(engine.Engine.Evaluate(script));
            if (lease is not null && engine.End()) lease.Return(engine);
            return result;
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

    private static bool DeclaresGlobals(Prepared<Acornima.Ast.Script> script)
    {
        foreach (var statement in script.Program!.Body)
            if (statement is Acornima.Ast.VariableDeclaration or Acornima.Ast.FunctionDeclaration or Acornima.Ast.ClassDeclaration) return true;
        return false;
    }

    /// <summary>The engines one replay shares (it evaluates one script at a time; a nested evaluation gets its own).</summary>
    private sealed class EngineLease(JavaScriptSandbox sandbox, EngineLease? previous) : IDisposable
    {
        private readonly Stack<PreparedEngine> _free = new();
        public bool Disposed { get; private set; }
        public PreparedEngine Rent() => _free.TryPop(out var e) ? e : new PreparedEngine(sandbox.Limits);
        public void Return(PreparedEngine engine) { if (_free.Count < 4) _free.Push(engine); }
        public void Dispose()
        {
            Disposed = true;
            _free.Clear();
            if (Reuse.Value == this) Reuse.Value = previous;
        }
    }

    /// <summary>A Jint engine with the sandbox's limits, its globals bound to whichever scope it evaluates for.</summary>
    private sealed class PreparedEngine
    {
        private readonly CancellationBox _cancellation = new();
        private readonly Jint.Native.Json.JsonParser _parser;
        private readonly Jint.Native.Json.JsonSerializer _serializer;
        private IExpressionScope? _scope;
        private Dictionary<JsValue, JsValue>? _baseline;

        public JsEngine Engine { get; }

        public PreparedEngine(JavaScriptLimits limits)
        {
            Engine = new JsEngine(o => o
                .Strict()
                .MaxStatements(limits.MaxStatements)
                .TimeoutInterval(limits.Timeout)
                .LimitMemory(limits.MaxMemoryBytes)
                .LimitRecursion(limits.MaxRecursion)
                .Constraint(_cancellation));
            _parser = new Jint.Native.Json.JsonParser(Engine);
            _serializer = new Jint.Native.Json.JsonSerializer(Engine);
            Engine.SetValue("getVariable", new ClrFunction(Engine, "getVariable", (_, args) => FromJson(_scope!.GetVariable(args.At(0).ToString()))));
            Engine.SetValue("setVariable", new ClrFunction(Engine, "setVariable", (_, args) =>
            {
                _scope!.SetVariable(args.At(0).ToString(), ToJson(args.At(1)));
                return JsValue.Undefined;
            }));
        }

        public void Begin(IExpressionScope scope, CancellationToken ct)
        {
            _scope = scope;
            _cancellation.Token = ct;
            Engine.SetValue("variables", FromJson(scope.VariablesSnapshot()));
            Engine.SetValue("input", FromJson(scope.Input));
            Engine.SetValue("workflowInstanceId", scope.InstanceId);
            Engine.SetValue("correlationId", scope.CorrelationId is null ? JsValue.Null : new JsString(scope.CorrelationId));
            _baseline ??= Engine.Global.GetOwnProperties().ToDictionary(p => p.Key, p => p.Value.Value);
        }

        /// <summary>Puts the global object back as it was before the script (added properties removed, replaced ones restored); false when it cannot be.</summary>
        public bool End()
        {
            _scope = null;
            var global = Engine.Global;
            foreach (var (key, descriptor) in global.GetOwnProperties().ToList())
            {
                if (!_baseline!.TryGetValue(key, out var before)) { if (!global.Delete(key)) return false; }
                else if (!IsBound(key.ToString()) && !ReferenceEquals(before, descriptor.Value) && !global.Set(key, before)) return false;
            }
            return global.GetOwnProperties().Count() == _baseline!.Count;
        }

        private static bool IsBound(string name) => name is "variables" or "input" or "workflowInstanceId" or "correlationId";

        public JsValue FromJson(JsonNode? node) => node is null ? JsValue.Null : _parser.Parse(node.ToJsonString());

        public JsonNode? ToJson(JsValue value)
        {
            if (value.IsUndefined() || value.IsNull()) return null;
            var json = _serializer.Serialize(value);
            return json.IsUndefined() ? null : JsonNode.Parse(json.AsString());
        }
    }

    /// <summary>Cancellation as a Jint constraint whose token is set per evaluation (Jint's own takes it once, at construction).</summary>
    private sealed class CancellationBox : Constraint
    {
        public CancellationToken Token { get; set; }
        public override void Check() => Token.ThrowIfCancellationRequested();
        public override void Reset() { }
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
