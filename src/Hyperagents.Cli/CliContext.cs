using Serilog;
using Spectre.Console;

namespace Hyperagents.Cli;

/// <summary>What every command shares: the console for human output and the logger.</summary>
/// <param name="Console">Human output (Spectre.Console).</param>
public sealed record CliContext(IAnsiConsole Console)
{
    /// <summary>Configures Serilog once: warnings to the console's error stream, everything to a rolling file.</summary>
    /// <param name="logDirectory">The folder of the log file.</param>
    /// <param name="verbose">Also write debug events.</param>
    public static void ConfigureLogging(string logDirectory, bool verbose)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? Serilog.Events.LogEventLevel.Debug : Serilog.Events.LogEventLevel.Information)
            .WriteTo.Console(restrictedToMinimumLevel: Serilog.Events.LogEventLevel.Warning, standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose)
            .WriteTo.File(Path.Combine(logDirectory, "hyperagents-.log"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
            .CreateLogger();
    }
}
