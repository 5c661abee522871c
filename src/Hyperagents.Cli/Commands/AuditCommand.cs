using System.CommandLine;
using System.Globalization;
using Hyperagents.Reporting;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents audit &lt;run&gt; [variant] [--json]</c>: per-variant changes, meta run, gate verdicts, score deltas and flags; run integrity.</summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var archive = ArchiveCommandSupport.ArchiveOption();
        var runArgument = ArchiveCommandSupport.RunArgument();
        var variantArgument = new Argument<string?>("variant")
        {
            Description = "Audit only this variant (id prefix, best, seed or latest); the run-wide checks always run.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Print the audit as JSON (schema hyperagents.audit/1, see docs/audit.md)." };
        var command = new Command("audit", "Audit a run: what each variant changed (task, meta, other), what its meta run did, gate verdicts, score deltas, flags; provenance and hash checks.")
        {
            runArgument, variantArgument, archive, json,
        };
        var thresholdOptions = new AuditThresholdOptions();
        thresholdOptions.AddTo(command);
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, runArgument, run =>
        {
            var errors = new List<string>();
            var thresholds = thresholdOptions.Read(parse, errors);
            if (errors.Count > 0)
            {
                return ArchiveCommandSupport.Error(context, string.Join(" ", errors));
            }

            var id = parse.GetValue(variantArgument) is { } wanted ? run.Resolve(wanted) : null;
            var audit = Auditor.Audit(run, id, thresholds);
            if (parse.GetValue(json))
            {
                context.Console.Profile.Out.Writer.WriteLine(AuditJson.Serialize(audit));
                return audit.Integrity.Verified ? 0 : 1;
            }

            Print(context.Console, audit);
            return audit.Integrity.Verified ? 0 : 1;
        })));
        return command;
    }

    private static void Print(IAnsiConsole console, RunAudit audit)
    {
        var i = audit.Integrity;
        console.MarkupLine($"[bold]audit of {Markup.Escape(audit.Run)}[/] ({Markup.Escape(audit.Domain)})");
        console.MarkupLine(i.Verified
            ? $"integrity: [green]verified[/] ({i.VariantsChecked} variants, {i.NotesChecked} notes, journal {Markup.Escape(i.JournalHead[..16])})"
            : $"integrity: [red]{i.Problems.Count} problem(s)[/] ({i.VariantsChecked} variants, {i.NotesChecked} notes)");
        foreach (var problem in i.Problems)
        {
            console.MarkupLine(Markup.Escape($"  {(problem.Variant is { } v ? v[..Math.Min(12, v.Length)] + ": " : "")}{problem.Message}"));
        }

        console.MarkupLine((i.HashesConsistent ? "hashes: [green]consistent[/]" : "hashes: [red]inconsistent[/]")
            + Markup.Escape($" (gate policy {Join(i.GatePolicyHashes)}; evaluator {Join(i.EvaluatorHashes)})"));
        if (audit.Noise is { } n)
        {
            console.MarkupLine(Markup.Escape($"gains over parents: {n.BeatsNoise} beat noise, {n.WithinNoise} within noise, {n.WorseBeyondNoise} worse beyond noise " +
                $"(of {n.Compared} accepted children compared); {n.NoBehaviouralChange} with no behavioural change"));
        }

        var format = Hyperagents.Archive.ScoreFormat.For(audit.Variants.SelectMany(v => v.Scores.Select(s => s.Score)));
        foreach (var v in audit.Variants)
        {
            console.WriteLine();
            var status = v.Gate.Status switch { "accepted" => "[green]accepted[/]", "rejected" => "[yellow]rejected[/]", _ => "[red]failed[/]" };
            console.MarkupLine($"[bold]{v.Id[..12]}[/] g{v.Generation} {status} parent {(v.Parent is { } p ? p[..12] : "none (seed)")}"
                + (v.Flags.Count > 0 ? " [red]" + Markup.Escape(string.Join(" ", v.Flags.Select(f => "!" + f))) + "[/]" : ""));
            if (v.Gate.Reason is { } reason)
            {
                console.MarkupLine(Markup.Escape($"  reason: {reason}"));
            }

            console.MarkupLine(Markup.Escape(v.Parent is null
                ? $"  files: {v.Changes.Task.Count} task, {v.Changes.Meta.Count} meta, {v.Changes.Other.Count} other ({v.Changes.Task.Concat(v.Changes.Meta).Concat(v.Changes.Other).Sum(f => f.LinesAdded)} lines)"
                : $"  changes: {Changes("task", v.Changes.Task)}; {Changes("meta", v.Changes.Meta)}; {Changes("other", v.Changes.Other)}"));
            var m = v.Meta;
            console.MarkupLine(Markup.Escape($"  meta run: {(m.Tools.Count == 0 ? "no tool calls" : string.Join(", ", m.Tools.Select(t => $"{t.Key}×{t.Value}")))}"
                + (m.CallErrors > 0 ? $" ({m.CallErrors} refused)" : "")
                + $"; model {m.Model ?? "none"}: {m.ModelCalls} calls, {m.InputTokens} in / {m.OutputTokens} out tokens; outcome {m.Outcome ?? "-"}"));
            if (v.Gate.ForbiddenApis.Count > 0)
            {
                console.MarkupLine(Markup.Escape($"  forbidden APIs: {string.Join("; ", v.Gate.ForbiddenApis)}"));
            }

            if (v.Gate.ProtectedPaths.Count > 0)
            {
                console.MarkupLine(Markup.Escape($"  protected paths attempted: {string.Join(", ", v.Gate.ProtectedPaths)}"));
            }

            if (v.Scores.Count > 0)
            {
                console.MarkupLine(Markup.Escape("  scores: " + string.Join(", ", v.Scores.Select(s =>
                    $"{s.Split} {format.Score(s.Score, s.StdErr)}" + (s.Delta is { } d ? $" ({Signed(d, format)}{(s.DeltaStdErr is { } se ? " ± " + format.Number(se) : "")}{(s.WithinNoise == true && d != 0 ? ", within noise" : "")})" : "")))));
            }

            if (v.ExactCheck is { } exact)
            {
                console.MarkupLine(Markup.Escape($"  exact re-check ({exact.Split}): {Runs.RunProgress.ExactText(exact)}, exact score {format.Number(exact.Score)}"
                    + (exact.Gain is { } gain ? $", exact gain {Signed(gain, format)}" : "")));
            }

            foreach (var mark in v.Marks)
            {
                console.MarkupLine(Markup.Escape($"  mark: {mark}"));
            }
        }
    }

    private static string Changes(string kind, IReadOnlyList<FileChange> files) =>
        files.Count == 0 ? $"0 {kind}" : $"{files.Count} {kind} (" + string.Join(", ", files.Select(f => $"{f.Change} {f.Path} +{f.LinesAdded}/-{f.LinesRemoved}")) + ")";

    private static string Join(IReadOnlyList<string> hashes) => hashes.Count == 0 ? "none recorded" : string.Join(", ", hashes);

    private static string Signed(double delta, Hyperagents.Archive.ScoreFormat format) =>
        format.Number(Math.Abs(delta)) == format.Number(0) ? "±0" : (delta > 0 ? "+" : "") + format.Number(delta);
}
