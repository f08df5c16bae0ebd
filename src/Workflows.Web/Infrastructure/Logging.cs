using System.Text.RegularExpressions;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;
using Workflows.Engine.Runtime;

namespace Workflows.Web.Infrastructure;

/// <summary>Serilog: structured logs to the console and a rolling JSON file, correlated by instance id, with personal data scrubbed, written off the request path.</summary>
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
            // Scrubbing and writing happen on one background loop (BackgroundSink): a request only queues its events.
            .WriteTo.Sink(new BackgroundSink(new PiiScrubbingSink(Sinks(settings, file))));
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
/// Moves scrubbing and writing off the caller's thread: events go into a bounded queue that one loop drains into the inner
/// sink, so a request never waits for the console or the file, nor contends with other requests for their locks. Nothing
/// is dropped: when the queue is full the caller waits; disposing (the host's logger is disposed when the host stops)
/// writes what is queued first. The loop awaits new events rather than spinning, which matters on a small shared machine.
/// </summary>
public sealed class BackgroundSink : ILogEventSink, IDisposable
{
    private readonly ILogEventSink _inner;
    private readonly System.Threading.Channels.Channel<LogEvent> _queue = System.Threading.Channels.Channel.CreateBounded<LogEvent>(
        new System.Threading.Channels.BoundedChannelOptions(10_000) { SingleReader = true, FullMode = System.Threading.Channels.BoundedChannelFullMode.Wait });
    private readonly Task _loop;

    public BackgroundSink(ILogEventSink inner)
    {
        _inner = inner;
        _loop = Task.Run(DrainAsync);
    }

    public void Emit(LogEvent e)
    {
        if (_queue.Writer.TryWrite(e)) return;
        try
        {
            _queue.Writer.WriteAsync(e).AsTask().GetAwaiter().GetResult(); // full: wait for room rather than lose the event
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            _inner.Emit(e); // after disposal: written directly
        }
    }

    private async Task DrainAsync()
    {
        while (await _queue.Reader.WaitToReadAsync())
            while (_queue.Reader.TryRead(out var e))
            {
                try { _inner.Emit(e); }
                catch (Exception x) { Serilog.Debugging.SelfLog.WriteLine("Log event not written: {0}", x); }
            }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.Wait(TimeSpan.FromSeconds(30));
        (_inner as IDisposable)?.Dispose();
    }
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
