using System.Text.RegularExpressions;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;
using Workflows.Engine.Runtime;

namespace Workflows.Web.Infrastructure;

/// <summary>Serilog: structured logs to the console and a rolling JSON file, correlated by instance id, with personal data scrubbed.</summary>
public static class Logging
{
    public static LoggerConfiguration Configure(LoggerConfiguration config, IConfiguration settings, string contentRoot)
    {
        var dataDirectory = settings["DataDirectory"] is { Length: > 0 } data ? data : Path.Combine(contentRoot, "data");
        var file = settings["Logging:File"] is { Length: > 0 } configured ? configured : Path.Combine(dataDirectory, "logs", "backoffice-.log");
        return config
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Application", "Workflows.BackOffice")
            .WriteTo.Sink(new PiiScrubbingSink(Sinks(settings, file)));
    }

    private static Logger Sinks(IConfiguration settings, string file) =>
        new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {InstanceId}{NewLine}{Exception}")
            .WriteTo.File(new RenderedCompactJsonFormatter(), file, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 31,
                fileSizeLimitBytes: 100_000_000, rollOnFileSizeLimit: true, shared: true, flushToDiskInterval: TimeSpan.FromSeconds(1))
            .CreateLogger();
}

/// <summary>
/// The last line of defence for personal data: before a log event reaches any sink, Chinese ID numbers and phone numbers
/// are masked in its message, properties and exception, and properties with sensitive names (diagnosis, phone…) are masked whole.
/// The first line is the code itself, which logs ids, never payloads.
/// </summary>
public sealed class PiiScrubbingSink(ILogEventSink inner) : ILogEventSink, IDisposable
{
    private static readonly MessageTemplateParser Parser = new();

    /// <summary>One rule for logs, journal and staff views: <see cref="Redactor.ScrubText"/>.</summary>
    public static string Scrub(string text) => Redactor.ScrubText(text);

    public void Emit(LogEvent e)
    {
        var template = e.MessageTemplate.Text;
        var scrubbedTemplate = Scrub(template);
        var properties = e.Properties.Select(p => new LogEventProperty(p.Key,
            Redactor.Default.IsSensitive(p.Key) ? new ScalarValue(Redactor.Mask) : ScrubValue(p.Value)));
        var exception = e.Exception is null ? null : new ScrubbedException(e.Exception);
        inner.Emit(new LogEvent(e.Timestamp, e.Level, exception,
            ReferenceEquals(scrubbedTemplate, template) || scrubbedTemplate == template ? e.MessageTemplate : Parser.Parse(scrubbedTemplate),
            properties, e.TraceId ?? default, e.SpanId ?? default));
    }

    private static LogEventPropertyValue ScrubValue(LogEventPropertyValue v) => v switch
    {
        ScalarValue { Value: string s } => new ScalarValue(Scrub(s)),
        SequenceValue seq => new SequenceValue(seq.Elements.Select(ScrubValue)),
        StructureValue st => new StructureValue(st.Properties.Select(p => new LogEventProperty(p.Name,
            Redactor.Default.IsSensitive(p.Name) ? new ScalarValue(Redactor.Mask) : ScrubValue(p.Value))), st.TypeTag),
        DictionaryValue d => new DictionaryValue(d.Elements.Select(kv => new KeyValuePair<ScalarValue, LogEventPropertyValue>(kv.Key,
            kv.Key.Value is string k && Redactor.Default.IsSensitive(k) ? new ScalarValue(Redactor.Mask) : ScrubValue(kv.Value)))),
        _ => v,
    };

    public void Dispose() => (inner as IDisposable)?.Dispose();

    /// <summary>An exception whose message and stack trace have been scrubbed, keeping the original type name.</summary>
    private sealed class ScrubbedException(Exception original) : Exception(Scrub(original.Message),
        original.InnerException is null ? null : new ScrubbedException(original.InnerException))
    {
        private readonly string _text = Scrub(original.ToString());
        public override string? StackTrace => null;
        public override string ToString() => _text;
    }
}
