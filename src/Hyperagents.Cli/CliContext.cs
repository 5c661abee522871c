using Serilog;
using Spectre.Console;

namespace Hyperagents.Cli;

/// <summary>What every command shares: the console for human output and the logger.</summary>
/// <param name="Console">Human output (Spectre.Console).</param>
public sealed record CliContext(IAnsiConsole Console)
{
    /// <summary>Where commands that are not part of a run keep their log (today: the details of an internal error):
    /// <c>$HYPERAGENTS_LOG_DIR</c>, else <c>$XDG_STATE_HOME/hyperagents/logs</c>, else
    /// <c>~/.local/state/hyperagents/logs</c>, else the temporary folder. A run logs to <c>&lt;archive&gt;/logs/&lt;run&gt;/</c>.</summary>
    public static string DefaultLogDirectory()
    {
        if (Environment.GetEnvironmentVariable("HYPERAGENTS_LOG_DIR") is { Length: > 0 } explicitFolder)
        {
            return explicitFolder;
        }

        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "hyperagents", "logs");
    }

    /// <summary>Configures Serilog once: warnings to the console's error stream (of Orleans' events only errors, one line
    /// each), everything to a rolling file; every
    /// string in an event is made safe to show first (<see cref="SafeTextEnricher"/>).</summary>
    /// <param name="logDirectory">The folder of the log file.</param>
    /// <param name="verbose">Also write debug events.</param>
    public static void ConfigureLogging(string logDirectory, bool verbose)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? Serilog.Events.LogEventLevel.Debug : Serilog.Events.LogEventLevel.Information)
            .Enrich.With(new SafeTextEnricher())
            .WriteTo.Logger(console => console
                .Filter.ByExcluding(Serilog.Filters.Matching.FromSource("Orleans"))
                .WriteTo.Console(restrictedToMinimumLevel: Serilog.Events.LogEventLevel.Warning, standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose))
            // Orleans is chatty: a member that died leaves minutes of warnings with stack traces while membership
            // settles. On the console its errors only, one line each; everything of it goes to the file.
            .WriteTo.Logger(console => console
                .Filter.ByIncludingOnly(e => e.Level >= Serilog.Events.LogEventLevel.Error && Serilog.Filters.Matching.FromSource("Orleans")(e))
                .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} (details in the log file){NewLine}", standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose))
            .WriteTo.File(Path.Combine(logDirectory, "hyperagents-.log"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
            .CreateLogger();
    }
}
