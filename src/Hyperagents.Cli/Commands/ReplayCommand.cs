using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Cli.Runs;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
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
    /// <summary>The score tolerance replay uses for runs whose agent code ran outside the sandbox.</summary>
    internal const double NativeTolerance = 1e-9;

    public static Command Create(CliContext context)
    {
        var run = ArchiveCommandSupport.RunArgument();
        var variant = new Argument<string>("variant") { Description = "A variant id, a unique prefix of one, best, seed, latest, or all." };
        var modification = new Option<bool>("--modification") { Description = "Also replay the ModifySelf that produced the variant and check the child tree is identical." };
        var tolerance = new Option<double?>("--tolerance") { Description = "Largest score difference per task still reported as a match (default 0: exact)." };
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
                var (settings, flags) = RunHost.FromConfig(r.ReadManifest());
                var errors = new List<string>();
                var models = RunOptions.Models(null, flags, errors);
                if (errors.Count > 0)
                {
                    return ArchiveCommandSupport.Error(context, string.Join(" ", errors));
                }

                var which = parse.GetValue(variant)!;
                var ids = which == "all" ? r.ListVariants().OrderBy(v => v.Sequence).Select(v => v.Id).ToList() : [r.Resolve(which)];
                // Native and contained workers read the real clock and the host's libm, so their runs replay within a
                // tolerance, never bit for bit; say so.
                var within = parse.GetValue(tolerance) ?? (settings.Isolation == Isolation.Sandbox ? 0 : NativeTolerance);
                if (settings.Isolation != Isolation.Sandbox)
                {
                    context.Console.MarkupLine(Markup.Escape(
                        $"This run's agent code ran {settings.Isolation.ToString().ToLowerInvariant()} (real clock, the host's libm), so replay compares scores within a tolerance of {within:G3}, not bit for bit" +
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
            var evaluations = run.GetEvaluations(id);
            var status = run.GetVariant(id).Status;
            if (evaluations.Count == 0)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: no recorded evaluation ({status}); nothing to replay."));
                return 0;
            }

            var compiled = host.Loop.CompileVariant(id);
            if (compiled.Agent is null)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: mismatch: it has recorded evaluations but no longer compiles: {compiled.Report.Diagnostics.FirstOrDefault()}"));
                return 1;
            }

            var mismatches = 0;
            var table = new Table().AddColumns("variant", "eval", "split", "task", "recorded", "replayed", "result");
            for (var i = 0; i < evaluations.Count; i++)
            {
                var e = evaluations[i];
                long? legacySeed = e.Seeds?.TryGetValue("tasks", out var seedValue) == true ? seedValue : null;
                if (legacySeed is null && e.Splits.Values.Any(s => s.Tasks.Any(t => t.Seed is null)))
                {
                    table.AddRow(id[..12], $"#{i + 1}", "", "", "", "", "[yellow]no task seed recorded[/]");
                    continue;
                }

                var evaluator = new TaskEvaluator(host.Domain, host.Runner, ModelsOf(host), LimitsOf(e), Math.Max(1, Environment.ProcessorCount));
                foreach (var (split, recorded) in e.Splits.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    // Each draw with its recorded seed (split, task and replicate are in it); older notes derive it.
                    var draws = new List<TaskDraw>();
                    foreach (var t in recorded.Tasks)
                    {
                        if (host.Domain.FindTask(t.Task) is { } found)
                        {
                            var seed = t.Seed is { } s ? unchecked((ulong)s) : Seeds.Mix(unchecked((ulong)legacySeed!.Value), t.Task);
                            draws.Add(new TaskDraw(found.Task, t.Replicate ?? 0, seed));
                        }
                    }

                    var results = draws.Count == recorded.Tasks.Count
                        ? await evaluator.EvaluateDrawsAsync(compiled.Agent, draws, ct).ConfigureAwait(false)
                        : [];
                    for (var k = 0; k < recorded.Tasks.Count; k++)
                    {
                        var want = recorded.Tasks[k];
                        var got = k < results.Count ? results[k] : null;
                        var same = got is not null && got.Outcome == want.Outcome && Math.Abs(got.Score - want.Score) <= tolerance
                                   && (want.Answer is null || tolerance > 0 || got.AnswerHash == want.Answer);
                        mismatches += same ? 0 : 1;
                        var label = want.Replicate is { } r ? $"{want.Task}#{r}" : want.Task;
                        table.AddRow(id[..12], $"#{i + 1}", split, Markup.Escape(label), Markup.Escape($"{want.Outcome} {Fmt(want.Score)}"),
                            got is null ? "task not found" : Markup.Escape($"{got.Outcome} {Fmt(got.Score)}"), same ? "[green]match[/]" : "[red]mismatch[/]");
                    }

                    var mean = results.Count == 0 ? double.NaN : results.Average(x => x.Score);
                    var meanSame = Math.Abs(mean - recorded.Score) <= tolerance + 1e-12;
                    mismatches += meanSame ? 0 : 1;
                    table.AddRow(id[..12], $"#{i + 1}", split, "[bold]mean[/]", Fmt(recorded.Score), Fmt(mean), meanSame ? "[green]match[/]" : "[red]mismatch[/]");
                }
            }

            Console.Write(table);
            return mismatches;
        }

        /// <summary>Re-runs the <c>ModifySelf</c> that produced a variant; returns 1 on a different child tree.</summary>
        public async Task<int> ModificationAsync(string id, CancellationToken ct)
        {
            var p = run.ReadProvenance(id);
            if (p.Parent is not { } parentId)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: the seed; no modification to replay."));
                return 0;
            }

            if (p.Seeds?.TryGetValue("meta", out var metaSeedValue) != true || p.Seeds.GetValueOrDefault("attempt") <= 0)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: no meta seed recorded (the parent did not compile, or an older run); nothing to replay."));
                return 0;
            }

            var transcript = run.ReadTranscript(id);
            var exchanges = ModelExchangesOf(transcript);
            if (exchanges is null && p.Model is not null)
            {
                Console.MarkupLine(Markup.Escape($"{id[..12]}: mismatch: the variant used a model but its transcript has no model exchanges."));
                return 1;
            }

            RunHost host;
            ModelServices? replay = exchanges is null ? null : ModelServices.CreateReplay(exchanges, models);
            host = RunHost.Create(run, settings, new ModelOptions(), null, replay);
            await using (host.ConfigureAwait(false))
            {
                var metaAgent = settings.Baseline == Baseline.NoSelfImprove
                    ? host.Loop.CompileVariant(run.Resolve("seed")).Agent
                    : host.Loop.CompileVariant(parentId).Agent;
                if (metaAgent is null)
                {
                    Console.MarkupLine(Markup.Escape($"{id[..12]}: mismatch: the meta agent of its parent no longer compiles."));
                    return 1;
                }

                var attempt = p.Seeds.GetValueOrDefault("attempt");
                var modification = await host.Loop.ModifyAsync(parentId, metaAgent, unchecked((ulong)metaSeedValue), $"replay-{attempt}", ct).ConfigureAwait(false);
                var recorded = run.GetFiles(id);
                var differences = recorded.Keys.Union(modification.Files.Keys).Order(StringComparer.Ordinal)
                    .Where(path => !recorded.TryGetValue(path, out var a) || !modification.Files.TryGetValue(path, out var b) || a != b)
                    .ToList();
                if (differences.Count == 0)
                {
                    Console.MarkupLine(Markup.Escape($"{id[..12]}: modification replayed ({(exchanges is null ? "offline engine, seed " + metaSeedValue : exchanges.Count + " model exchanges from the transcript")}): ") +
                                       "[green]identical child tree[/]" + Markup.Escape($" ({modification.Outcome.Label})."));
                    return 0;
                }

                Console.MarkupLine(Markup.Escape($"{id[..12]}: modification replayed: ") + "[red]different child tree[/]" +
                                   Markup.Escape($" ({modification.Outcome.Label} {modification.Outcome.Detail}): {string.Join(", ", differences)}"));
                return 1;
            }
        }

        /// <summary>The model exchanges of a transcript's <c>{"type":"model"}</c> lines, in order, or <see langword="null"/>.</summary>
        internal static List<ModelExchange>? ModelExchangesOf(string? transcript)
        {
            if (transcript is null)
            {
                return null;
            }

            List<ModelExchange>? all = null;
            foreach (var line in transcript.Split('\n'))
            {
                if (!line.Contains("\"model\"", StringComparison.Ordinal))
                {
                    continue;
                }

                using var doc = TryParse(line);
                if (doc is not null && doc.RootElement.ValueKind == JsonValueKind.Object
                    && doc.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "model"
                    && doc.RootElement.TryGetProperty("exchanges", out var exchanges))
                {
                    (all ??= []).AddRange(ModelExchange.ReadTranscript(exchanges.GetRawText()));
                }
            }

            return all;
        }

        private static JsonDocument? TryParse(string line)
        {
            try
            {
                return JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        // Models built here, not by the host: a replay's calls are not the run's and must not touch its saved ledger.
        private RunHost Host() => _host ??= RunHost.Create(run, settings, models, null, models.HasAnyModel ? ModelServices.Create(models) : null);

        private static IModelAccess ModelsOf(RunHost host) => host.Models is { } m ? new CliModelAccess(m) : ModelAccess.None;

        private RunLimits LimitsOf(Evaluation e)
        {
            var limits = settings.TaskLimits;
            if (e.Limits is { } l)
            {
                limits = limits with
                {
                    WallClock = l.TryGetValue("wallClockMs", out var ms) ? TimeSpan.FromMilliseconds(ms) : limits.WallClock,
                    Fuel = l.GetValueOrDefault("fuel", limits.Fuel),
                    MemoryBytes = l.GetValueOrDefault("memoryBytes", limits.MemoryBytes),
                };
            }

            return limits;
        }

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
