using System.CommandLine;
using Hyperagents.Archive;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents lineage &lt;run&gt; [variant]</c>: the variant tree with scores.</summary>
internal static class LineageCommand
{
    public static Command Create(CliContext context)
    {
        var archive = ArchiveCommandSupport.ArchiveOption();
        var runArgument = ArchiveCommandSupport.RunArgument();
        var variantArgument = new Argument<string?>("variant")
        {
            Description = "Show only this variant's ancestry and children (id prefix, best, seed or latest).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("lineage", "Draw a run's variant tree with scores: every attempt, rejected and failed ones included.")
        {
            runArgument, variantArgument, archive,
        };
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, runArgument, run =>
        {
            ArchiveCommandSupport.WarnIfUnverified(context, run);
            var all = run.ListVariants();
            if (all.Count == 0)
            {
                context.Console.MarkupLine("This run has no variants yet.");
                return 0;
            }

            var format = ScoreFormat.For(all);
            var children = all.Where(v => v.Parent is not null).ToLookup(v => v.Parent!, StringComparer.Ordinal);
            if (parse.GetValue(variantArgument) is { } wanted)
            {
                var id = run.Resolve(wanted);
                var chain = run.GetLineage(id).Reverse().ToList();
                for (var i = 0; i < chain.Count; i++)
                {
                    var prefix = i == 0 ? "" : new string(' ', 3 * (i - 1)) + "└─ ";
                    context.Console.MarkupLine(prefix + ArchiveCommandSupport.Label(run, chain[i], format));
                }

                var kids = children[id].ToList();
                for (var k = 0; k < kids.Count; k++)
                {
                    context.Console.MarkupLine(new string(' ', 3 * (chain.Count - 1)) + (k == kids.Count - 1 ? "└─ " : "├─ ") + ArchiveCommandSupport.Label(run, kids[k], format));
                }

                return 0;
            }

            // Depth-first without recursion: trees of deep runs must not overflow the stack.
            var stack = new Stack<(VariantSummary Node, string Indent, bool Last, bool Root)>();
            stack.Push((all[0], "", true, true));
            while (stack.Count > 0)
            {
                var (node, indent, last, root) = stack.Pop();
                context.Console.MarkupLine(root ? ArchiveCommandSupport.Label(run, node, format) : indent + (last ? "└─ " : "├─ ") + ArchiveCommandSupport.Label(run, node, format));
                var childIndent = root ? "" : indent + (last ? "   " : "│  ");
                var kids = children[node.Id].ToList();
                for (var k = kids.Count - 1; k >= 0; k--)
                {
                    stack.Push((kids[k], childIndent, k == kids.Count - 1, false));
                }
            }

            var accepted = all.Count(v => v.Status.State == VariantState.Accepted);
            context.Console.MarkupLine($"[grey]{all.Count} variants, {accepted} accepted, {all.Count - accepted} rejected or failed[/]");
            return 0;
        })));
        return command;
    }
}
