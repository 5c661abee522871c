using System.CommandLine;
using System.Globalization;
using Hyperagents.Archive;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents show &lt;run&gt; &lt;variant&gt;</c>: provenance, scores and a transcript summary.</summary>
internal static class ShowCommand
{
    public static Command Create(CliContext context)
    {
        var archive = ArchiveCommandSupport.ArchiveOption();
        var runArgument = ArchiveCommandSupport.RunArgument();
        var variantArgument = new Argument<string>("variant") { Description = "The variant (id prefix, best, seed or latest)." };
        var command = new Command("show", "Show a variant's provenance, evaluations, marks and transcript summary.") { runArgument, variantArgument, archive };
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, runArgument, run =>
        {
            ArchiveCommandSupport.WarnIfUnverified(context, run);
            var id = run.Resolve(parse.GetValue(variantArgument)!);
            var summary = run.GetVariant(id);
            var p = run.ReadProvenance(id);
            var console = context.Console;
            var grid = new Grid().AddColumn().AddColumn();
            void Row(string key, string value) => grid.AddRow($"[grey]{key}[/]", value);
            Row("variant", Markup.Escape(id));
            Row("parent", Markup.Escape(p.Parent ?? "none (seed)"));
            Row("generation", p.Generation.ToString(CultureInfo.InvariantCulture));
            Row("sequence", p.Sequence.ToString(CultureInfo.InvariantCulture));
            Row("status", ArchiveCommandSupport.StatusMarkup(p.Status) + (p.Status.Reason is { } r ? " " + Markup.Escape(r) : ""));
            Row("children", summary.Children.ToString(CultureInfo.InvariantCulture));
            if (summary.IsBest)
            {
                Row("best", "[green]yes[/]");
            }

            Row("changes", Markup.Escape(string.Join(", ", Enum.GetValues<FileKind>()
                .Select(k => $"{p.Changes.Count(c => c.Kind == k)} {k.ToString().ToLowerInvariant()}"))));
            if (p.Model is { } m)
            {
                Row("model", Markup.Escape($"{m.Provider}/{m.Model}: {m.InputTokens} in, {m.OutputTokens} out, {m.Requests} requests, T_eq {m.OutputTokens + 0.25 * m.InputTokens:0}"
                    + (m.CostUsd is { } cost ? $", ${cost.ToString("0.####", CultureInfo.InvariantCulture)}" : "")));
            }

            if (p.Tools is { } t)
            {
                Row("tools", Markup.Escape($"hyperagents {t.Hyperagents ?? "?"}, dotnet {t.Dotnet ?? "?"}, roslyn {t.Roslyn ?? "?"}, wasmtime {t.Wasmtime ?? "?"}, runtime pack {t.RuntimePack ?? "?"}"));
            }

            Row("gate policy", Markup.Escape(p.GatePolicyHash ?? "-"));
            Row("evaluator", Markup.Escape(p.EvaluatorHash ?? "-"));
            if (p.Seeds is { Count: > 0 } seeds)
            {
                Row("seeds", Markup.Escape(string.Join(", ", seeds.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"))));
            }

            if (p.Search is { } search)
            {
                Row("search", Markup.Escape(search.Strategy + (search.Detail is null ? "" : $" ({search.Detail})") + (search.Arm is null ? "" : $", meta model {search.Arm} by UCB1")));
            }

            Row("agent tree", Markup.Escape(p.AgentTree));
            console.Write(grid);

            if (p.Changes.Count > 0)
            {
                console.MarkupLine("[bold]changed files[/]");
                foreach (var c in p.Changes)
                {
                    console.MarkupLine(Markup.Escape($"  [{c.Kind.ToString().ToLowerInvariant()}] {c.Change} {c.Path}"));
                }
            }

            var evaluations = run.GetEvaluations(id);
            var format = ArchiveCommandSupport.Format(run);
            console.MarkupLine($"[bold]evaluations[/] ({evaluations.Count})");
            for (var i = 0; i < evaluations.Count; i++)
            {
                var e = evaluations[i];
                foreach (var (split, result) in e.Splits.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    var outcomes = string.Join(", ", result.Tasks.GroupBy(t => t.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
                    var draws = e.Replicates is { } k
                        ? $"{result.Tasks.Select(t => t.Task).Distinct(StringComparer.Ordinal).Count()} tasks × {k} replicate{(k == 1 ? "" : "s")}"
                        : $"{result.Tasks.Count} tasks";
                    console.MarkupLine(Markup.Escape($"  #{i + 1} {split}: {format.Split(result, e.RawFigure)} over {draws} ({outcomes}); evaluator {e.EvaluatorHash}"));
                }
            }

            if (p.Parent is { } parentId && evaluations.Count > 0)
            {
                var parentEvaluations = run.GetEvaluations(parentId);
                if (ScoreStatistics.SameAnswers(evaluations[^1], parentEvaluations) == true)
                {
                    console.MarkupLine("[bold]no behavioural change[/]: the same answers as its parent on every draw");
                }

                foreach (var (split, mine) in evaluations[^1].Splits.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    if (parentEvaluations.LastOrDefault(e => e.Splits.ContainsKey(split))?.Splits[split] is { } theirs)
                    {
                        var c = ScoreStatistics.Compare(mine, theirs);
                        var verdict = c.StdErr is null ? "no noise estimate (one draw)" : c.BeatsNoise ? "beats noise" : c.WithinNoise ? "within noise" : "worse beyond noise";
                        console.MarkupLine(Markup.Escape($"  gain over parent on {split}: {(c.Gain > 0 ? "+" : string.Empty)}{format.Number(c.Gain)}" +
                            (c.StdErr is { } se ? $" ± {format.Number(se)}" : string.Empty) +
                            $" ({(c.Paired ? "paired" : "unpaired")}, {c.Draws} draws): {verdict}"));
                    }
                }
            }

            foreach (var mark in run.GetMarks(id))
            {
                console.MarkupLine(Markup.Escape($"mark: {mark.Kind}: {mark.Reason}"));
            }

            var transcript = run.ReadTranscript(id);
            console.MarkupLine("[bold]transcript[/]");
            console.MarkupLine(Markup.Escape("  " + SummariseTranscript(transcript)));
            return 0;
        })));
        return command;
    }

    /// <summary>How many entries of each type (see <see cref="Transcript.TypeOf"/>).</summary>
    internal static string SummariseTranscript(string? transcript)
    {
        if (transcript is null)
        {
            return "none";
        }

        var records = Transcript.Read(transcript);
        var kinds = records.GroupBy(Transcript.TypeOf, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
        return $"{records.Count} entries: " + string.Join(", ", kinds.Select(k => $"{k.Key} {k.Count()}"));
    }
}
