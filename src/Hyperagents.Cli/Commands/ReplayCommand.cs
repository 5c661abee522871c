using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Cli.Runs;
using Hyperagents.Engine;
using Hyperagents.Models;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents replay &lt;run&gt; &lt;variant|all&gt; [--modification]</c>: rebuild a variant from its commit,
/// re-run each recorded evaluation with its recorded task seeds and limits, and compare per task; with
/// <c>--modification</c>, also re-run the <c>ModifySelf</c> that produced it (model replies served from its transcript,
/// no endpoint) and check that the child tree is identical.</summary>
/// <remarks>Tolerance: every built-in domain is deterministic (the sandbox counts fuel, not time, and the seed of every
/// draw — split, task, replicate — is recorded), so scores and answer hashes must match exactly (<c>--tolerance 0</c>).
/// Notes written before per-draw seeds replay from their <c>tasks</c> seed. Task calls of the <c>dataset</c> domain that use a
/// model are not recorded per evaluation, so replaying them calls the configured model again; pass a tolerance for them.</remarks>
internal static class ReplayCommand
{
    /// <summary>The score tolerance replay uses for runs of a runner that is not deterministic (<see cref="Hyperagents.Hosting.RunnerRegistry.IsDeterministic"/>).</summary>
    internal const double NativeTolerance = 1e-9;

    public static Command Create(CliContext context)
    {
        var run = ArchiveCommandSupport.RunArgument();
        var variant = new Argument<string>("variant") { Description = "A variant id, a unique prefix of one, best, seed, latest, or all." };
        var modification = new Option<bool>("--modification") { Description = "Also replay the ModifySelf that produced the variant and check the child tree is identical." };
        var tolerance = new Option<double?>("--tolerance") { Description = "Largest score difference per task still reported as a match (default 0, exact; 1e-9 for runs of a runner that is not deterministic, such as native)." };
        var archive = ArchiveCommandSupport.ArchiveOption();
        var command = new Command("replay", "Rebuild a variant from its commit and re-run its recorded evaluations with the same seeds and limits; report match or mismatch per task.")
        {
            run, variant, modification, tolerance, archive,
        };
        command.SetAction(async (parse, ct) =>
        {
            var folder = ArchiveStore.RunFolder(ArchiveStore.ResolveFolder(parse.GetValue(archive)), parse.GetValue(run)!);
            try
            {
                using var r = ArchiveRun.Open(folder);
                var manifest = RunState.CurrentManifest(r);
                var (settings, modelSettings) = RunHost.FromConfig(manifest);
                var errors = new List<string>();
                var models = RunOptions.Models(RunHost.ModelConfigOf(manifest), modelSettings, errors);
                if (errors.Count > 0)
                {
                    return ArchiveCommandSupport.Error(context, string.Join(" ", errors));
                }

                var which = parse.GetValue(variant)!;
                var ids = which == "all" ? r.ListVariants().OrderBy(v => v.Sequence).Select(v => v.Id).ToList() : [r.Resolve(which)];
                // A runner that is not deterministic (native workers read the real clock and the host's libm) replays
                // within a tolerance, never bit for bit; say so.
                var deterministic = Runners.Registry.IsDeterministic(settings.Isolation);
                var within = parse.GetValue(tolerance) ?? (deterministic ? 0 : NativeTolerance);
                if (!deterministic)
                {
                    context.Console.MarkupLine(Markup.Escape(
                        $"This run's agent code ran in the {settings.Isolation} runner (real clock, the host's libm), so replay compares scores within a tolerance of {within:G3}, not bit for bit" +
                        (parse.GetValue(tolerance) is null ? " (pass --tolerance to change it)." : ".")));
                }

                await using var replayer = new Replayer(context, r, settings, models, within);
                var mismatches = 0;
                foreach (var id in ids)
                {
                    mismatches += await replayer.EvaluationsAsync(id, ct).ConfigureAwait(false);
                    if (parse.GetValue(modification))
                    {
                        mismatches += await replayer.ModificationAsync(id, ct).ConfigureAwait(false);
                    }
                }

                context.Console.MarkupLine(mismatches == 0
                    ? $"[green]replay matches[/] on {ids.Count} variant{(ids.Count == 1 ? "" : "s")}."
                    : $"[red]replay mismatch[/]: {mismatches} difference{(mismatches == 1 ? "" : "s")} over {ids.Count} variant{(ids.Count == 1 ? "" : "s")}.");
                return mismatches == 0 ? 0 : 1;
            }
            catch (Exception ex) when (ex is ArchiveException or InvalidOperationException or ModelConfigurationException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }
        });
        return command;
    }

    private sealed class Replayer(CliContext context, ArchiveRun run, RunSettings settings, ModelOptions models, double tolerance) : IAsyncDisposable
    {
        private RunHost? _host;

        private IAnsiConsole Console => context.Console;

        /// <summary>Re-runs every recorded evaluation of a variant; returns the number of mismatches.</summary>
        public async Task<int> EvaluationsAsync(string id, CancellationToken ct)
        {
            var host = Host();
            var replay = await new VariantReplay(host.Loop).EvaluationsAsync(id, tolerance, ct).ConfigureAwait(false);
            switch (replay.State)
            {
                case ReplayState.NothingRecorded:
                    Console.MarkupLine(Markup.Escape($"{id[..12]}: no recorded evaluation ({run.GetVariant(id).Status}); nothing to replay."));
                    return 0;
                case ReplayState.NoLongerCompiles:
                    Console.MarkupLine(Markup.Escape($"{id[..12]}: mismatch: it has recorded evaluations but no longer compiles: {replay.Problem}"));
                    return 1;
            }

            var table = new Table().AddColumns("variant", "eval", "split", "task", "recorded", "replayed", "result");
            foreach (var d in replay.Draws)
            {
                var result = d.Verdict switch
                {
                    ReplayVerdict.NoSeed => "[yellow]no task seed recorded[/]",
                    ReplayVerdict.Match => "[green]match[/]",
                    _ => "[red]mismatch[/]",
                };
                if (d.Verdict == ReplayVerdict.NoSeed)
                {
                    table.AddRow(id[..12], $"#{d.Evaluation}", "", "", "", "", result);
                }
                else if (d.Recorded is { } want)
                {
                    var label = want.Replicate is { } r ? $"{want.Task}#{r}" : want.Task;
                    table.AddRow(id[..12], $"#{d.Evaluation}", d.Split, Markup.Escape(label), Markup.Escape($"{want.Outcome} {Fmt(want.Score)}"),
                        d.Verdict == ReplayVerdict.TaskNotFound ? "task not found" : Markup.Escape($"{d.ReplayedOutcome} {Fmt(d.ReplayedScore!.Value)}"), result);
                }
                else
                {
                    table.AddRow(id[..12], $"#{d.Evaluation}", d.Split, "[bold]mean[/]", Fmt(d.RecordedMean!.Value), Fmt(d.ReplayedScore!.Value), result);
                }
            }

            Console.Write(table);
            return replay.Mismatches;
        }

        /// <summary>Re-runs the <c>ModifySelf</c> that produced a variant; returns 1 on a different child tree.</summary>
        public async Task<int> ModificationAsync(string id, CancellationToken ct)
        {
            if (run.ReadProvenance(id).Parent is null)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: the seed; no modification to replay."));
                return 0;
            }

            if (new VariantReplay(Host().Loop).PlanModification(id) is not { } plan)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: no meta seed recorded (the parent did not compile, or an older run); nothing to replay."));
                return 0;
            }

            var exchanges = ModelExchangesOf(run.ReadTranscript(id));
            if (exchanges is null && run.ReadProvenance(id).Model is not null)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: mismatch: the variant used a model but its transcript has no model exchanges."));
                return 1;
            }

            ModelServices? replayModels = exchanges is null ? null : ModelServices.CreateReplay(exchanges, models);
            var host = RunHost.Create(run, settings, new ModelOptions(), null, replayModels);
            await using (host.ConfigureAwait(false))
            {
                var replay = await new VariantReplay(host.Loop).ModificationAsync(plan, ct).ConfigureAwait(false);
                if (!replay.MetaAgentCompiles)
                {
                    Console.MarkupLine(Markup.Escape($"{id[..12]}: mismatch: the meta agent of its parent no longer compiles."));
                    return 1;
                }

                if (replay.Identical)
                {
                    Console.MarkupLine(Markup.Escape($"{id[..12]}: modification replayed ({(exchanges is null ? "offline engine, seed " + unchecked((long)plan.MetaSeed) : exchanges.Count + " model exchanges from the transcript")}): ") +
                                       "[green]identical child tree[/]" + Markup.Escape($" ({replay.Outcome!.Label})."));
                    return 0;
                }

                Console.MarkupLine(Markup.Escape($"{id[..12]}: modification replayed: ") + "[red]different child tree[/]" +
                                   Markup.Escape($" ({replay.Outcome!.Label} {replay.Outcome.Detail}): {string.Join(", ", replay.Differences)}"));
                return 1;
            }
        }

        /// <summary>The model exchanges of a transcript's model records, in order, or <see langword="null"/> when it has none.</summary>
        internal static List<ModelExchange>? ModelExchangesOf(string? transcript)
        {
            List<ModelExchange>? all = null;
            foreach (var line in Transcript.Read(transcript).OfType<ModelRecordLine>())
            {
                try
                {
                    (all ??= []).AddRange(ModelExchange.ReadTranscript(line.Exchanges.GetRawText()));
                }
                catch (JsonException)
                {
                    // Not in the exchange format: nothing a replay can serve.
                }
            }

            return all;
        }

        // Models built here, not by the host: a replay's calls are not the run's and must not touch its saved ledger.
        private RunHost Host() => _host ??= RunHost.Create(run, settings, models, null, models.HasAnyModel ? ModelServices.Create(models) : null);

        private static string Fmt(double score) => score.ToString("0.000000", CultureInfo.InvariantCulture);

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
