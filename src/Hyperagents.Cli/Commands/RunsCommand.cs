using System.CommandLine;
using Hyperagents.Archive;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents runs</c>: the runs in the archive folder.</summary>
internal static class RunsCommand
{
    public static Command Create(CliContext context)
    {
        var archive = ArchiveCommandSupport.ArchiveOption();
        var command = new Command("runs", "List the runs in the archive folder with their variant counts and best variant.") { archive };
        command.SetAction((parse, _) =>
        {
            var folder = ArchiveStore.ResolveFolder(parse.GetValue(archive));
            IReadOnlyList<RunInfo> runs;
            try
            {
                runs = ArchiveStore.ListRuns(folder);
            }
            catch (Exception e) when (e is ArchiveException or IOException or UnauthorizedAccessException)
            {
                return Task.FromResult(ArchiveCommandSupport.Error(context, e.Message));
            }

            if (runs.Count == 0)
            {
                context.Console.MarkupLine($"No runs in {Markup.Escape(folder)}. Start one, or point --archive at the folder that holds them.");
                return Task.FromResult(0);
            }

            // One format for the listing, so the runs' best scores are told apart from each other.
            var format = ScoreFormat.For(runs.SelectMany(r => r.Best?.Scores.Values ?? []));
            var table = new Table().AddColumns("run", "domain", "seed", "variants", "accepted", "best");
            foreach (var run in runs)
            {
                table.AddRow(
                    Markup.Escape(run.Name),
                    Markup.Escape(run.Domain),
                    Markup.Escape(run.Seed),
                    run.Variants.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    run.Accepted.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    run.Best is { } best ? Markup.Escape($"{best.ShortId} {format.Splits(best.Scores, run.BestEvaluations ?? [])}") : "-");
            }

            context.Console.Write(table);
            foreach (var run in runs.Where(r => r.IntegrityProblems.Count > 0))
            {
                context.Console.MarkupLine($"[yellow]warning:[/] {Markup.Escape($"run {run.Name} fails verification ({run.IntegrityProblems.Count} problem(s)); run 'hyperagents verify {run.Name}'.")}");
            }

            return Task.FromResult(0);
        });
        return command;
    }
}
