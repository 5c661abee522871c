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
        var context = new CliContext(console ?? AnsiConsole.Console);
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
}
