using System.CommandLine;
using Hyperagents.Archive;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents diff &lt;run&gt; &lt;variant&gt;</c>: the change from the parent, task and meta files marked.</summary>
internal static class DiffCommand
{
    public static Command Create(CliContext context)
    {
        var archive = ArchiveCommandSupport.ArchiveOption();
        var runArgument = ArchiveCommandSupport.RunArgument();
        var variantArgument = new Argument<string>("variant") { Description = "The variant (id prefix, best, seed or latest)." };
        var command = new Command("diff", "Show a variant's change from its parent, each file marked task, meta or other.") { runArgument, variantArgument, archive };
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, runArgument, run =>
        {
            var id = run.Resolve(parse.GetValue(variantArgument)!);
            var summary = run.GetVariant(id);
            var console = context.Console;
            console.MarkupLine($"{ArchiveCommandSupport.Label(run, summary, ArchiveCommandSupport.Format(run))} [grey]from {(summary.Parent is { } p ? p[..12] : "nothing (seed)")}[/]");
            var diff = run.GetDiff(id);
            if (diff.Count == 0)
            {
                console.MarkupLine("no file changed");
            }

            foreach (var file in diff)
            {
                var kind = file.Kind switch { FileKind.Task => "[blue][[task]][/]", FileKind.Meta => "[magenta][[meta]][/]", _ => "[grey][[other]][/]" };
                console.MarkupLine($"{kind} [bold]{file.Change} {Markup.Escape(file.Path)}[/]");
                foreach (var line in file.Patch.Split('\n'))
                {
                    if (line.StartsWith("diff --git", StringComparison.Ordinal) || line.StartsWith("index ", StringComparison.Ordinal) || line.Length == 0)
                    {
                        continue;
                    }

                    var escaped = Markup.Escape(line);
                    console.MarkupLine(
                        line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) ? $"[bold]{escaped}[/]"
                        : line.StartsWith('+') ? $"[green]{escaped}[/]"
                        : line.StartsWith('-') ? $"[red]{escaped}[/]"
                        : line.StartsWith("@@", StringComparison.Ordinal) ? $"[cyan]{escaped}[/]"
                        : escaped);
                }
            }

            return 0;
        })));
        return command;
    }
}
