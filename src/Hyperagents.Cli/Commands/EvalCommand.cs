using System.CommandLine;
using Hyperagents.Archive;
using Hyperagents.Cli.Runs;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Models;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents eval &lt;run&gt; &lt;variant&gt; --split test</c>: evaluate a variant again and attach the result as a new note.</summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var run = ArchiveCommandSupport.RunArgument();
        var variant = new Argument<string>("variant") { Description = "A variant id, a unique prefix of one, or 'best'." };
        var split = new Option<string[]>("--split") { Description = "Splits to evaluate: train, val, test (repeatable; default test)." };
        var archive = ArchiveCommandSupport.ArchiveOption();
        var command = new Command("eval", "Evaluate a variant on a split (the held-out test split by default, on seeds no agent ran on) and attach the evaluation to it; its id does not change.")
        {
            run, variant, split, archive,
        };
        command.SetAction(async (parse, ct) =>
        {
            var splits = new List<Split>();
            foreach (var name in parse.GetValue(split) is { Length: > 0 } given ? given : ["test"])
            {
                if (!Enum.TryParse<Split>(name, ignoreCase: true, out var s))
                {
                    return ArchiveCommandSupport.Error(context, $"--split '{name}' is not one of train, val, test.");
                }

                splits.Add(s);
            }

            var folder = ArchiveStore.RunFolder(ArchiveStore.ResolveFolder(parse.GetValue(archive)), parse.GetValue(run)!);
            try
            {
                using var r = ArchiveRun.Open(folder);
                r.EnsureWritable();
                var manifest = RunState.CurrentManifest(r);
                var (settings, modelSettings) = RunHost.FromConfig(manifest);
                var errors = new List<string>();
                var models = RunOptions.Models(RunHost.ModelConfigOf(manifest), modelSettings, errors);
                if (errors.Count > 0)
                {
                    return ArchiveCommandSupport.Error(context, string.Join(" ", errors));
                }

                var id = r.Resolve(parse.GetValue(variant)!);
                await using var host = RunHost.Create(r, settings, models, null);
                var evaluation = await host.Loop.EvaluateVariantAsync(id, splits, ct).ConfigureAwait(false);
                var format = ArchiveCommandSupport.Format(r);
                var table = new Table().AddColumns("split", "task", "replicate", "outcome", "score", "raw", "feedback");
                foreach (var (name, result) in evaluation.Splits)
                {
                    foreach (var task in result.Tasks)
                    {
                        table.AddRow(name, Markup.Escape(task.Task), (task.Replicate ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(task.Outcome),
                            task.Score.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture),
                            Markup.Escape(task.Raw is { } raw ? $"{evaluation.RawFigure} {raw.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}" : "-"),
                            Markup.Escape(ArchiveCommandSupport.Shorten(task.Feedback ?? string.Empty, 60)));
                    }

                    table.AddRow($"[bold]{name}[/]", "[bold]mean ± s.e.[/]", "", "", $"[bold]{Markup.Escape(format.Score(result.Score, result.StdErr))}[/]", "", "");
                }

                context.Console.Write(table);
                context.Console.MarkupLine($"attached to {id[..12]} as a new evaluation note.");
                return 0;
            }
            catch (Exception ex) when (ex is ArchiveException or InvalidOperationException or ModelConfigurationException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }
        });
        return command;
    }
}
