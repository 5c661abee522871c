using System.CommandLine;
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
        var context = new CliContext(console ?? TerminalConsole());
        var root = new RootCommand("Hyperagents: DGM-H runs of self-modifying C# hyperagents (Roslyn, git archive, Wasmtime sandbox).");
        foreach (var command in CommandCatalog.Create(context))
        {
            root.Subcommands.Add(command);
        }

        try
        {
            return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Log.CloseAndFlushAsync().ConfigureAwait(false);
        }
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
