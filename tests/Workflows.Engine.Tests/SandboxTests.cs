using System.Text.Json.Nodes;
using Workflows.Engine.Expressions;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Tests;

public sealed class SandboxTests
{
    private readonly JavaScriptSandbox _js = new(new JavaScriptLimits { Timeout = TimeSpan.FromSeconds(2) });

    private sealed class Scope : IExpressionScope
    {
        public Dictionary<string, JsonNode?> Vars { get; } = new() { ["age"] = 41 };
        public string InstanceId => "i-1";
        public string? CorrelationId => null;
        public JsonNode? Input { get; } = new JsonObject { ["city"] = "上海" };
        public JsonObject VariablesSnapshot() => new(Vars.Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        public JsonNode? GetVariable(string name) => Vars.GetValueOrDefault(name)?.DeepClone();
        public void SetVariable(string name, JsonNode? value) => Vars[name] = value;
    }

    [Fact]
    public void Scripts_see_variables_and_input_as_plain_javascript_values()
    {
        var scope = new Scope();
        Assert.Equal("上海:42", _js.Evaluate("input.city + ':' + (variables.age + 1)", scope)!.ToString());
        _js.Evaluate("setVariable('tags', ['a', getVariable('age')])", scope);
        Assert.Equal("""["a",41]""", scope.Vars["tags"]!.ToJsonString());
    }

    [Fact]
    public void Engines_shared_within_a_replay_leave_nothing_behind_and_keep_every_limit()
    {
        using (_js.ReuseEngines())
        {
            var a = new Scope();
            var b = new Scope();
            b.Vars["age"] = 7;
            // Each evaluation sees its own scope's variables on the shared engine.
            Assert.Equal("42", _js.Evaluate("getVariable('age') + 1", a)!.ToString());
            Assert.Equal("8", _js.Evaluate("variables.age + 1", b)!.ToString());
            // What a script leaves on the global object is gone before the next one; replaced globals are put back.
            _js.Evaluate("globalThis.leak = 1; this.other = 2; JSON = null; 0", a);
            Assert.Equal("undefined:undefined:object", _js.Evaluate("typeof leak + ':' + typeof other + ':' + typeof JSON", a)!.ToString());
            // Top-level declarations run on an engine of their own: declaring twice works, a var does not carry over.
            Assert.Equal("1", _js.Evaluate("var seen = (typeof seen === 'undefined' ? 0 : seen) + 1; seen", a)!.ToString());
            Assert.Equal("1", _js.Evaluate("var seen = (typeof seen === 'undefined' ? 0 : seen) + 1; seen", a)!.ToString());
            Assert.Equal("2", _js.Evaluate("let x = 2; x", a)!.ToString());
            Assert.Equal("2", _js.Evaluate("let x = 2; x", a)!.ToString());
            // The limits hold on a shared engine, and a stopped script does not spoil the next evaluation.
            Assert.Contains("statements", Assert.Throws<ExpressionException>(() => _js.Evaluate("while (true) {}", a)).Message);
            Assert.Contains("recursed", Assert.Throws<ExpressionException>(() => _js.Evaluate("(function f() { return f(); })()", a)).Message);
            Assert.Equal("42", _js.Evaluate("getVariable('age') + 1", a)!.ToString());
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => _js.Evaluate("1 + 1", a, cancelled.Token));
            Assert.Equal("2", _js.Evaluate("1 + 1", a)!.ToString());
        }
        // Outside the replay every evaluation has a fresh engine again.
        Assert.Equal("42", _js.Evaluate("getVariable('age') + 1", new Scope())!.ToString());
    }

    [Fact]
    public void An_endless_loop_is_stopped_with_a_clear_error()
    {
        var e = Assert.Throws<ExpressionException>(() => _js.Evaluate("while (true) {}", new Scope()));
        Assert.Contains("stopped", e.Message);
        Assert.Contains("statements", e.Message);
    }

    [Fact]
    public void A_script_that_runs_too_long_is_stopped_by_the_clock()
    {
        var slow = new JavaScriptSandbox(new JavaScriptLimits { MaxStatements = int.MaxValue, MaxMemoryBytes = 4_000_000_000, Timeout = TimeSpan.FromMilliseconds(200) });
        var e = Assert.Throws<ExpressionException>(() => slow.Evaluate("for (;;) { Math.sqrt(2); }", new Scope()));
        Assert.True(e.Message.Contains("longer than 200 ms"), e.Message);
    }

    [Fact]
    public void A_script_that_allocates_without_bound_is_stopped()
    {
        var js = new JavaScriptSandbox(new JavaScriptLimits { MaxStatements = int.MaxValue, Timeout = TimeSpan.FromSeconds(10) });
        var e = Assert.Throws<ExpressionException>(() => js.Evaluate("var a = []; while (true) { a.push('x'.repeat(10000)); }", new Scope()));
        Assert.Contains("memory", e.Message);
    }

    [Fact]
    public void Deep_recursion_is_stopped()
    {
        var e = Assert.Throws<ExpressionException>(() => _js.Evaluate("function f(n) { return f(n + 1); } f(0)", new Scope()));
        Assert.Contains("stopped", e.Message);
    }

    [Theory]
    [InlineData("System.IO.File.ReadAllText('/etc/passwd')")]
    [InlineData("importNamespace('System.IO')")]
    [InlineData("clrHelper.getType('System.Environment')")]
    [InlineData("getVariable.constructor('return System')()")]
    [InlineData("require('fs')")]
    public void Scripts_have_no_access_to_the_clr(string script)
    {
        var e = Assert.Throws<ExpressionException>(() => _js.Evaluate(script, new Scope()));
        Assert.Contains("is not defined", e.Message);
    }

    [Fact]
    public void Host_functions_do_not_leak_dotnet_objects()
    {
        Assert.Equal("function", _js.Evaluate("typeof getVariable", new Scope())!.ToString());
        Assert.Equal("undefined", _js.Evaluate("typeof getVariable.GetType", new Scope())!.ToString());
        Assert.Equal("undefined", _js.Evaluate("typeof variables.GetType", new Scope())!.ToString());
    }

    [Fact]
    public void Invalid_javascript_is_reported_as_not_valid()
    {
        var e = Assert.Throws<ExpressionException>(() => _js.Validate("input.age >= "));
        Assert.StartsWith("The script is not valid JavaScript", e.Message);
    }

    [Fact]
    public async Task In_a_workflow_an_endless_script_faults_the_instance_with_an_incident_naming_the_cause()
    {
        using var h = new EngineHarness(limits: new JavaScriptLimits { MaxStatements = 5_000 });
        // Publishing refuses a script that loops for every case; this one loops only for the case's data, which publishing cannot know.
        await h.PublishAsync(new Flow("spin").Add("d", "Elsa.FlowDecision", ("Condition", "JavaScript", "while(input.spin){}; true")).Task("t", "T").Connect("d", "True", "t").Build());
        var r = await h.StartAsync("spin", new { spin = true });
        Assert.Equal(WorkflowSubStatus.Faulted, r.SubStatus);
        Assert.Contains("more than 5,000 statements", r.Incident);
        Assert.Equal("d", (await h.InstanceAsync(r.InstanceId)).Incident!.ActivityId);
    }

    [Fact]
    public async Task Publishing_refuses_a_script_that_fails_for_every_case_naming_the_activity_and_input()
    {
        using var h = new EngineHarness(limits: new JavaScriptLimits { MaxStatements = 5_000 });
        var endless = await Assert.ThrowsAsync<WorkflowValidationException>(() => h.PublishAsync(
            new Flow("spin-always").Add("d", "Elsa.FlowDecision", ("Condition", "JavaScript", "while(true){}; true")).Task("t", "T").Connect("d", "True", "t").Build()));
        Assert.Contains("Activity 'd' (d), input 'Condition': The script was stopped: it ran more than 5,000 statements", endless.Message);
        var unknown = await Assert.ThrowsAsync<WorkflowValidationException>(() => h.PublishAsync(
            new Flow("unknown-name").Add("d", "Elsa.FlowDecision", ("Condition", "JavaScript", "approved")).Task("t", "T").Connect("d", "True", "t").Build()));
        Assert.Contains("Activity 'd' (d), input 'Condition': the script fails for every case: approved is not defined.", unknown.Message);
    }
}
