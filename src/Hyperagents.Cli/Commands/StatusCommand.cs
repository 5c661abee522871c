using System.CommandLine;
using System.Globalization;
using Hyperagents.Archive;
using Hyperagents.Cli.Runs;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents status &lt;run&gt;</c>: where a run stands.</summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var run = ArchiveCommandSupport.RunArgument();
        var archive = ArchiveCommandSupport.ArchiveOption();
        var command = new Command("status", "Show where a run stands: settings, attempts by status, scores, model usage, what to do next.") { run, archive };
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, run, r =>
        {
            ArchiveCommandSupport.WarnIfUnverified(context, r);
            var manifest = RunState.CurrentManifest(r);
            var variants = r.ListVariants();
            var children = variants.Where(v => v.Parent is not null).ToList();
            var table = new Table().AddColumns("", "");
            table.AddRow("run", Markup.Escape(manifest.Name));
            table.AddRow("domain", Markup.Escape(manifest.DomainPackage is { } packageHash ? $"{manifest.Domain} (package {packageHash}, archived in the run)" : manifest.Domain));
            int? planned = null;
            try
            {
                var (settings, modelSettings) = RunHost.FromConfig(manifest);
                var flags = modelSettings.ToFlags();
                planned = settings.Generations;
                if (manifest.DomainPackage is not null && Hyperagents.Domains.DomainPackage.LooksLikePath(settings.Domain))
                {
                    table.AddRow("domain folder", Markup.Escape(settings.Domain));
                }

                table.AddRow("settings", Markup.Escape(
                    $"{settings.Generations} generations, parallel {settings.Parallel}, {settings.Replicates} replicate{(settings.Replicates == 1 ? "" : "s")} per task, seed {settings.Seed}, selection {CliName(settings.Selection)}, " +
                    $"baseline {CliName(settings.Baseline)}, isolation {settings.Isolation}" +
                    (settings.WallClockBudget is { } wall ? $", time budget {wall.TotalMinutes:0.#} min" : string.Empty)));
                table.AddRow("models", flags.Count == 0 ? "none (offline mutation engine)" : Markup.Escape(string.Join(" ", flags.Select(f => f.Flag + " " + f.Value))));
            }
            catch (Exception ex) when (ex is InvalidOperationException or Hyperagents.Models.ModelConfigurationException)
            {
                table.AddRow("settings", Markup.Escape(ex.Message));
            }

            table.AddRow("attempts", planned is { } p ? $"{children.Count} of {p}{(children.Count >= p ? " (complete)" : " (resumable)")}" : children.Count.ToString(CultureInfo.InvariantCulture));
            table.AddRow("accepted / rejected / failed", string.Join(" / ",
                new[] { VariantState.Accepted, VariantState.Rejected, VariantState.Failed }.Select(s => children.Count(v => v.Status.State == s))));
            var left = planned is { } target ? Math.Max(0, target - children.Count) : 0;
            if (RunState.Pace(r, left) is { } pace)
            {
                table.AddRow("pace", Markup.Escape($"{pace} (over {RunState.Sessions(r).Count} session(s), pauses left out)"));
            }
            else if (PaceFromNotes(r, variants, children.Count, left) is { } estimated)
            {
                // A run made before sessions were recorded: the evaluation notes' own times, pauses included.
                table.AddRow("pace", Markup.Escape($"{estimated} (first to last evaluation, pauses included)"));
            }

            table.AddRow("invalid parents", variants.Count(v => v.InvalidParent).ToString(CultureInfo.InvariantCulture));
            var format = ScoreFormat.For(variants);
            var seed = variants.OrderBy(v => v.Sequence).FirstOrDefault();
            if (seed is not null)
            {
                table.AddRow("seed", Markup.Escape($"{seed.ShortId} {ArchiveCommandSupport.Scores(r, seed, format)}"));
            }

            if (r.Best is { } best)
            {
                table.AddRow("best", Markup.Escape($"{best[..12]} {ArchiveCommandSupport.Scores(r, r.GetVariant(best), format)}"));
            }

            long input = 0, output = 0;
            decimal cost = 0;
            foreach (var v in variants)
            {
                if (r.ReadProvenance(v.Id).Model is { } usage)
                {
                    input += usage.InputTokens;
                    output += usage.OutputTokens;
                    cost += usage.CostUsd ?? 0;
                }
            }

            table.AddRow("model tokens", string.Create(CultureInfo.InvariantCulture,
                $"in {input}, out {output}, equivalent {output + 0.25 * input:0}, cost ${cost:0.####}"));
            if (ModelBudgetLine(r) is { } budget)
            {
                table.AddRow("model budget", Markup.Escape(budget));
            }

            table.AddRow("journal head", Markup.Escape(r.JournalHead));
            context.Console.Write(table);
            if (ClusterStatus.Read(ClusterSession.StatusPath(ArchiveStore.ResolveFolder(parse.GetValue(archive)), manifest.Name)) is { } cluster)
            {
                context.Console.Write(ClusterTable(cluster));
            }

            return 0;
        })));
        return command;
    }

    /// <summary>A setting's name as the CLI accepts it (<c>--selection score_child_prop</c>, <c>--baseline none</c>,
    /// <c>no-selfimprove</c>), not its C# enum text.</summary>
    internal static string CliName(object setting) => setting switch
    {
        Hyperagents.Engine.Baseline.NoSelfImprove => "no-selfimprove",
        Hyperagents.Engine.Baseline b => System.Text.RegularExpressions.Regex.Replace(b.ToString(), "(?<=[a-z])(?=[A-Z])", "-").ToLowerInvariant(),
        _ => System.Text.RegularExpressions.Regex.Replace(setting.ToString() ?? string.Empty, "(?<=[a-z0-9])(?=[A-Z])", "_").ToLowerInvariant(),
    };

    /// <summary>The pace from the times the evaluation notes record, or <see langword="null"/> with fewer than two.</summary>
    /// <summary>The nodes of the run's latest <c>--cluster</c> session: slots, busy slots, evaluations per minute.</summary>
    private static Table ClusterTable(ClusterStatus cluster)
    {
        var table = new Table().Title(Markup.Escape($"cluster {cluster.Cluster}, as of {cluster.At:yyyy-MM-dd HH:mm:ss} UTC"))
            .AddColumns("node", "state", "slots", "busy", "evaluations", "per minute");
        foreach (var n in cluster.Nodes)
        {
            table.AddRow(Markup.Escape(n.NodeId), Markup.Escape(n.State), n.Slots.ToString(CultureInfo.InvariantCulture), n.Busy.ToString(CultureInfo.InvariantCulture),
                n.Completed.ToString(CultureInfo.InvariantCulture), n.PerMinute.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    private static RunRates? PaceFromNotes(ArchiveRun run, IReadOnlyList<VariantSummary> variants, int children, int left)
    {
        var times = variants.Where(v => v.Evaluations > 0).SelectMany(v => run.GetEvaluations(v.Id)).Select(e => e.At).OfType<DateTimeOffset>().ToList();
        return times.Count < 2 || times.Max() <= times.Min() ? null : new RunRates(times.Max() - times.Min(), variants.Count(v => v.Evaluations > 0), children, left);
    }

    /// <summary>The run's model budgets against what its ledger (kept across resumes) has spent, or <see langword="null"/>
    /// when the run has no budget.</summary>
    private static string? ModelBudgetLine(ArchiveRun run)
    {
        Hyperagents.Models.ModelSettings modelSettings;
        var manifest = RunState.CurrentManifest(run);
        try
        {
            modelSettings = RunHost.FromConfig(manifest).Models;
        }
        catch (Exception ex) when (ex is InvalidOperationException or Hyperagents.Models.ModelConfigurationException)
        {
            return null;
        }

        var options = RunOptions.Models(RunHost.ModelConfigOf(manifest), modelSettings, []);
        var budgets = ModelLedgerStore.LoadBudgets(run) ?? new Hyperagents.Models.ModelBudgets(options.TokenBudget, options.MoneyBudgetUsd);
        if (budgets.MaxEquivalentTokens is null && budgets.MaxCostUsd is null)
        {
            return null;
        }

        var ledger = new Hyperagents.Models.TokenLedger(budgets, ModelLedgerStore.Load(run));
        if (ledger.ExhaustedReason is { } spent)
        {
            return spent;
        }

        var totals = ledger.Run;
        var parts = new List<string>();
        if (budgets.MaxEquivalentTokens is { } tokens)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"T_eq {totals.EquivalentTokens:0} of {tokens} (token budget)"));
        }

        if (budgets.MaxCostUsd is { } usd)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"money budget: ${totals.CostUsd:0.0000} of ${usd:0.00} used"));
        }

        return string.Join("; ", parts);
    }
}
