using System.Text.Json.Nodes;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Tests;

public sealed class ModelTests
{
    private static readonly ActivityRegistry Registry = new ActivityRegistry().AddFromAssembly(typeof(ActivityRegistry).Assembly);
    private static readonly ExpressionEvaluator Evaluator = new(new JavaScriptSandbox(new JavaScriptLimits()));

    [Fact]
    public void Unknown_properties_metadata_and_custom_properties_round_trip_verbatim()
    {
        const string json = """
        {"id":"v1","definitionId":"d1","name":"N","version":3,"isLatest":true,"isPublished":false,"futureField":{"a":[1,2]},
         "customProperties":{"owner":"BA team"},"variables":[{"id":"x1","name":"x","typeName":"String","isArray":false,"value":"a","extraVar":true}],
         "root":{"id":"flowchart1","nodeId":"Workflow1:flowchart1","name":"Flowchart1","type":"Elsa.Flowchart","version":1,"customProperties":{},"metadata":{"zoom":0.8},
           "activities":[{"id":"a","nodeId":"Workflow1:flowchart1:a","name":"A","type":"Workflows.HumanTask","version":1,"customProperties":{"canStartWorkflow":false},
              "metadata":{"designer":{"position":{"x":300.5,"y":200},"size":{"width":204.640625,"height":54}},"displayText":"Call 致电"},
              "title":{"typeName":"String","expression":{"type":"Literal","value":"Call"},"memoryReference":null},"somethingNew":"kept"}],
           "connections":[{"source":{"activity":"a","port":"Done"},"target":{"activity":"a","port":"In"},"vertices":[{"x":1,"y":2}],"label":"loop"}]}}
        """;
        var model = WorkflowJson.Deserialize(json);
        var back = JsonNode.Parse(WorkflowJson.Serialize(model))!;
        var original = JsonNode.Parse(json)!;

        Assert.True(JsonNode.DeepEquals(original["futureField"], back["futureField"]));
        Assert.True(JsonNode.DeepEquals(original["customProperties"], back["customProperties"]));
        Assert.True(JsonNode.DeepEquals(original["variables"], back["variables"]));
        Assert.True(JsonNode.DeepEquals(original["root"]!["metadata"], back["root"]!["metadata"]));
        Assert.Equal(original["root"]!["activities"]!.ToJsonString(), back["root"]!["activities"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(original["root"]!["connections"], back["root"]!["connections"]));
    }

    [Fact]
    public void Content_hash_ignores_versioning_fields_and_key_order_but_not_content()
    {
        var a = WorkflowJson.Deserialize("""{"definitionId":"d","name":"N","version":1,"isPublished":true,"root":{"id":"f","type":"Elsa.Flowchart","activities":[],"connections":[]}}""");
        var b = WorkflowJson.Deserialize("""{"root":{"connections":[],"activities":[],"type":"Elsa.Flowchart","id":"f"},"name":"N","version":7,"id":"other","definitionId":"d"}""");
        var c = WorkflowJson.Deserialize("""{"definitionId":"d","name":"N2","root":{"id":"f","type":"Elsa.Flowchart","activities":[],"connections":[]}}""");
        Assert.Equal(WorkflowJson.ContentHash(a), WorkflowJson.ContentHash(b));
        Assert.NotEqual(WorkflowJson.ContentHash(a), WorkflowJson.ContentHash(c));
    }

    [Fact]
    public void Descriptors_come_from_the_activity_classes()
    {
        var task = Registry.Descriptors.Single(d => d.TypeName == "Workflows.HumanTask");
        Assert.Equal("Human tasks", task.Category);
        Assert.Equal("人工任务", task.DisplayNameZh);
        Assert.Equal("Task", task.Kind);
        var role = task.Inputs.Single(i => i.Name == "Role");
        Assert.Equal("dropdown", role.UIHint);
        Assert.Equal("Specialist", role.DefaultValue!.ToString());
        Assert.Equal("dynamic-outcomes", task.Inputs.Single(i => i.Name == "Outcomes").UIHint);
        Assert.Equal(["True", "False"], Registry.Descriptors.Single(d => d.TypeName == "Elsa.FlowDecision").Ports.Select(p => p.Name));
        Assert.Contains(Registry.Descriptors, d => d.TypeName == "Elsa.FlowJoin");
        Assert.True(Registry.Descriptors.Single(d => d.TypeName == "Elsa.Finish").IsTerminal);
    }

    [Fact]
    public void Validation_names_each_broken_activity()
    {
        var d = new Flow("bad")
            .Add("x", "Acme.DoesNotExist")
            .Add("d", "Elsa.FlowDecision", ("Condition", "JavaScript", "input.age >= "))
            .Add("t", "Workflows.HumanTask")
            .Add("f", "Elsa.Finish")
            .Connect("d", "True", "nowhere")
            .Connect("d", "Maybe", "f")
            .Build();

        var errors = CompiledWorkflow.Validate(d, Registry, Evaluator).Select(e => e.Message).ToList();

        Assert.Contains(errors, e => e.Contains("'x' (x) has unknown type 'Acme.DoesNotExist'"));
        Assert.Contains(errors, e => e.Contains("(d), input 'Condition': The script is not valid JavaScript"));
        Assert.Contains(errors, e => e.Contains("(t): required input 'Title' has no value"));
        Assert.Contains(errors, e => e.Contains("connects to activity 'nowhere', which does not exist"));
        Assert.Contains(errors, e => e.Contains("has no outcome 'Maybe'"));
        Assert.Throws<WorkflowValidationException>(() => CompiledWorkflow.Compile(d, Registry, Evaluator));
    }

    [Fact]
    public void Literal_values_convert_to_input_types_with_readable_errors()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), ValueConverter.Convert(JsonValue.Create("PT30M"), typeof(TimeSpan)));
        Assert.Equal(TimeSpan.FromDays(1), ValueConverter.Convert(JsonValue.Create("1.00:00:00"), typeof(TimeSpan)));
        Assert.Equal(new[] { "A", "B" }, ValueConverter.Convert(JsonValue.Create("""["A","B"]"""), typeof(string[])));
        Assert.Equal(true, ValueConverter.Convert(JsonValue.Create("true"), typeof(bool)));
        var e = Assert.Throws<ExpressionException>(() => ValueConverter.Convert(JsonValue.Create("soon"), typeof(TimeSpan)));
        Assert.Contains("not a duration", e.Message);
    }

    [Fact]
    public void Journal_chain_verification_names_the_altered_entry()
    {
        var entries = new List<JournalEntry>();
        var prev = JournalChain.GenesisHash;
        for (var i = 1; i <= 4; i++)
        {
            var e = new JournalEntry
            {
                InstanceId = "i", Sequence = i, Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i), EventName = "Started", DefinitionVersionId = "v", Version = 1,
                ActorId = "u", ActorRole = "Specialist", PreviousHash = prev, Hash = "",
            };
            e = e with { Hash = JournalChain.ComputeHash(e) };
            entries.Add(e);
            prev = e.Hash;
        }
        Assert.True(JournalChain.Verify("i", entries, 4, prev).IsValid);

        var altered = entries.ToList();
        altered[2] = altered[2] with { ActorId = "someone-else" };
        var result = JournalChain.Verify("i", altered, 4, prev);
        Assert.False(result.IsValid);
        Assert.Equal(3, result.BrokenSequence);

        var deleted = entries.Where(e => e.Sequence != 2).ToList();
        Assert.Equal(2, JournalChain.Verify("i", deleted, 4, prev).BrokenSequence);
        Assert.Equal(4, JournalChain.Verify("i", entries.Take(3).ToList(), 4, prev).BrokenSequence);
    }
}
