using System.CommandLine;
using Hyperagents.Transport;
using Hyperagents.Cli.Commands;
using Serilog;
using Spectre.Console;

namespace Hyperagents.Cli;

/// <summary>The <c>hyperagents</c> command line: one root command, one class per sub-command under <c>Commands/</c>.</summary>
public static class CliApp
{
    /// <summary>Parses and runs the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="console">Where human output goes; the real terminal when <see langword="null"/>.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole? console = null)
    {
        var context = new CliContext(new SafeConsole(console ?? TerminalConsole()));
        var root = new RootCommand("Hyperagents: DGM-H runs of self-modifying C# hyperagents (Roslyn, git archive, Wasmtime sandbox).");
        foreach (var command in CommandCatalog.Create(context))
        {
            root.Subcommands.Add(command);
        }

        using var interrupt = new Interrupt();
        try
        {
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await root.Parse(args).InvokeAsync(invocation, interrupt.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return Failed(context.Console, e, args, CliContext.DefaultLogDirectory());
        }
        finally
        {
            await Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" | ").Trim();
        return line.Length <= 600 ? line : line[..599] + "…";
    }

    /// <summary>The one place a command's exception ends: a cancellation (Ctrl+C) is exit 130; a
    /// <see cref="UserErrorException"/> is one line and exit 2; anything
    /// else is a bug, shown as one line naming a crash file that holds the trace (exit 70), and logged to the run's log
    /// when a run configured one.</summary>
    /// <param name="console">Where the line goes.</param>
    /// <param name="error">What the command threw.</param>
    /// <param name="args">The command line, for the crash file.</param>
    /// <param name="logDirectory">The folder of crash files.</param>
    /// <returns>The exit code.</returns>
    internal static int Failed(IAnsiConsole console, Exception error, string[] args, string logDirectory)
    {
        if (error is OperationCanceledException)
        {
            console.MarkupLine("[yellow]interrupted.[/]");
            return 130;
        }

        if (error is UserErrorException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(OneLine(error.Message))}");
            return 2;
        }

        Log.Fatal(error, "internal error in hyperagents {Arguments}", args);
        string where;
        try
        {
            Directory.CreateDirectory(logDirectory);
            var file = Path.Combine(logDirectory, $"crash-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
            File.WriteAllText(file, $"hyperagents {string.Join(' ', args)}\n{DateTime.UtcNow:O}\n{error}\n");
            where = $"the details are in {file}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            where = $"the details could not be written to {logDirectory} ({OneLine(e.Message)})";
        }

        console.MarkupLine(
            $"[red]error:[/] internal error: {Markup.Escape(error.GetType().Name)}: {Markup.Escape(OneLine(error.Message))}. "
            + $"This is a bug in Hyperagents, not in your input; {Markup.Escape(where)}.");
        return 70;
    }

    /// <summary>The real terminal. When output goes to a pipe or a file there is no window to measure and Spectre would
    /// wrap every table at 80 columns; it gets <c>$COLUMNS</c> when set, else 200, so piped tables stay one row a line.</summary>
    private static IAnsiConsole TerminalConsole()
    {
        var console = AnsiConsole.Console;
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns >= 40 ? columns : 200;
        }

        return console;
    }
}
