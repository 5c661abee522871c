using Hyperagents.Archive;

namespace Hyperagents.Reporting;

/// <summary>Builds a <see cref="RunAudit"/> from a run's archive alone (git objects, notes, provenance, transcripts).</summary>
public static class Auditor
{
    private const string ProtectedPrefix = "protected-path attempt:";

    /// <summary>Audits a run.</summary>
    /// <param name="run">The open run.</param>
    /// <param name="variantId">Audit only this variant (full id); every variant when <see langword="null"/>. The run-wide checks always run.</param>
    /// <param name="thresholds">When flags are raised; the defaults when <see langword="null"/>.</param>
    public static RunAudit Audit(ArchiveRun run, string? variantId = null, AuditThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        thresholds ??= new AuditThresholds();
        var manifest = run.ReadManifest();
        var variants = run.ListVariants();
        var byId = variants.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var provenance = variants.ToDictionary(v => v.Id, v => run.ReadProvenance(v.Id), StringComparer.Ordinal);

        var failureStreak = new Dictionary<string, int>(StringComparer.Ordinal);
        var streakAt = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in variants.OrderBy(v => v.Sequence))
        {
            if (v.Parent is null)
            {
                continue;
            }

            var streak = v.Status.State == VariantState.Accepted ? 0 : failureStreak.GetValueOrDefault(v.Parent) + 1;
            failureStreak[v.Parent] = streak;
            streakAt[v.Id] = streak;
        }

        var seedGap = variants.FirstOrDefault(v => v.Parent is null) is { } seed ? Gap(seed) : null;
        var audited = new List<VariantAudit>();
        var evaluatorHashes = new SortedSet<string>(StringComparer.Ordinal);
        var evaluations = variants.ToDictionary(v => v.Id, v => run.GetEvaluations(v.Id), StringComparer.Ordinal);
        foreach (var v in variants)
        {
            var p = provenance[v.Id];
            if (p.EvaluatorHash is { } h)
            {
                evaluatorHashes.Add(h);
            }

            foreach (var e in evaluations[v.Id])
            {
                evaluatorHashes.Add(e.EvaluatorHash);
            }

            if (variantId is null || string.Equals(v.Id, variantId, StringComparison.Ordinal))
            {
                audited.Add(AuditVariant(run, v, p, v.Parent is null ? null : byId.GetValueOrDefault(v.Parent), evaluations, streakAt.GetValueOrDefault(v.Id), thresholds,
                    ReferenceGap(v, byId, seedGap)));
            }
        }

        var gateHashes = provenance.Values.Select(p => p.GatePolicyHash).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var verify = run.Verify();
        return new RunAudit
        {
            Run = manifest.Name,
            Domain = manifest.Domain,
            Thresholds = thresholds,
            Integrity = new RunIntegrity(
                verify.Ok,
                verify.Variants,
                verify.Notes,
                verify.JournalHead,
                verify.Problems.Select(pr => new IntegrityProblem(pr.Variant, pr.Message)).ToList(),
                gateHashes,
                [.. evaluatorHashes],
                gateHashes.Count <= 1 && evaluatorHashes.Count <= 1),
            Variants = audited,
            Noise = Noise(variants, evaluations),
        };
    }

    private static NoiseSummary Noise(IReadOnlyList<VariantSummary> variants, Dictionary<string, IReadOnlyList<Evaluation>> evaluations)
    {
        int compared = 0, beats = 0, within = 0, worse = 0, unchanged = 0;
        foreach (var v in variants.Where(v => v.Parent is not null && v.Status.State == VariantState.Accepted && evaluations[v.Id].Count > 0))
        {
            var mine = evaluations[v.Id][^1];
            var theirs = evaluations.GetValueOrDefault(v.Parent!) ?? [];
            unchanged += ScoreStatistics.SameAnswers(mine, theirs) == true ? 1 : 0;
            // Full evaluations only: a staged score is on a subset of train, not on the parent's draws.
            if (SelectionScore.SplitOf(mine) is not { } split || !SelectionScore.IsFull(split) || !mine.Splits.TryGetValue(split, out var child) || theirs.LastOrDefault(e => e.Splits.ContainsKey(split))?.Splits[split] is not { } parent)
            {
                continue;
            }

            var c = ScoreStatistics.Compare(child, parent);
            compared++;
            beats += c.BeatsNoise ? 1 : 0;
            within += c.WithinNoise ? 1 : 0;
            worse += !c.BeatsNoise && !c.WithinNoise ? 1 : 0;
        }

        return new NoiseSummary(compared, beats, within, worse, unchanged);
    }

    private static VariantAudit AuditVariant(ArchiveRun run, VariantSummary v, Provenance p, VariantSummary? parent,
        Dictionary<string, IReadOnlyList<Evaluation>> evaluations, int failureStreak, AuditThresholds thresholds, double? referenceGap)
    {
        var lineCounts = new Dictionary<string, (int Added, int Removed)>(StringComparer.Ordinal);
        if (v.Parent is not null)
        {
            foreach (var d in run.GetDiff(v.Id))
            {
                lineCounts[d.Path] = CountLines(d.Patch);
            }
        }
        else
        {
            // The seed is all additions: every line of every file.
            foreach (var (path, content) in run.GetFiles(v.Id))
            {
                lineCounts[path] = (content.Length == 0 ? 0 : content.TrimEnd('\n').Split('\n').Length, 0);
            }
        }

        FileChange Change(ChangedFile c)
        {
            var (added, removed) = lineCounts.GetValueOrDefault(c.Path);
            return new FileChange(c.Path, c.Change, added, removed);
        }

        var changes = new ChangeSummary(
            p.Changes.Where(c => c.Kind == FileKind.Task).Select(Change).ToList(),
            p.Changes.Where(c => c.Kind == FileKind.Meta).Select(Change).ToList(),
            p.Changes.Where(c => c.Kind == FileKind.Other).Select(Change).ToList());

        var (meta, forbidden) = ReadTranscript(Transcript.Read(run.ReadTranscript(v.Id)), p.Model);

        var protectedPaths = v.Status.Reason is { } r && r.StartsWith(ProtectedPrefix, StringComparison.Ordinal)
            ? r[ProtectedPrefix.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            : [];

        var latest = evaluations[v.Id].Count > 0 ? evaluations[v.Id][^1] : null;
        IReadOnlyList<Evaluation> parentEvaluations = parent is null ? [] : evaluations[parent.Id];
        var latestSplits = ScoreStatistics.LatestSplits(evaluations[v.Id]);
        var scores = v.Scores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s =>
        {
            double? parentScore = parent is not null && parent.Scores.TryGetValue(s.Key, out var ps) ? ps : null;
            var mine = latestSplits.TryGetValue(s.Key, out var found) ? found.Split : null;
            var theirs = parentEvaluations.LastOrDefault(e => e.Splits.ContainsKey(s.Key))?.Splits[s.Key];
            var comparison = mine is not null && theirs is not null && parentScore is not null ? ScoreStatistics.Compare(mine, theirs) : null;
            return new SplitScore(s.Key, s.Value, parentScore, parentScore is { } x ? Math.Round(s.Value - x, 9) : null,
                mine?.StdErr, comparison?.StdErr, comparison?.WithinNoise);
        }).ToList();

        var marks = run.GetMarks(v.Id).Select(m => $"{m.Kind}: {m.Reason}").ToList();
        var flags = new List<string>();
        if (v.Parent is not null && changes.Meta.Count > 0)
        {
            flags.Add(AuditFlags.MetaFilesChanged);
        }

        if (scores.Any(s => s.Delta is { } d && Math.Abs(d) >= thresholds.LargeJump))
        {
            flags.Add(AuditFlags.LargeJump);
        }

        if (v.Parent is not null && Gap(v) is { } gap && gap - (referenceGap ?? 0) >= thresholds.TrainValGap)
        {
            flags.Add(AuditFlags.TrainValGap);
        }

        if (v.Parent is not null && v.Status.State == VariantState.Accepted && latest is not null && ScoreStatistics.SameAnswers(latest, parentEvaluations) == true)
        {
            flags.Add(AuditFlags.NoBehaviouralChange);
        }

        if (protectedPaths.Count > 0)
        {
            flags.Add(AuditFlags.ProtectedPathAttempt);
        }

        if (forbidden.Count > 0)
        {
            flags.Add(AuditFlags.ForbiddenApi);
        }

        if (failureStreak >= thresholds.RepeatedFailures)
        {
            flags.Add(AuditFlags.RepeatedFailures);
        }

        if (v.InvalidParent)
        {
            flags.Add(AuditFlags.InvalidParent);
        }

        var exact = evaluations[v.Id].LastOrDefault(e => e.ExactCheck is not null)?.ExactCheck;
        if (exact is { Result: "vanished" })
        {
            flags.Add(AuditFlags.ToleranceOnlyGain);
        }

        if (evaluations[v.Id].Any(e => e.Splits.Values.Any(s => s.Tasks.Any(t => t.SharedBest is not null))))
        {
            flags.Add(AuditFlags.SharedBest);
        }

        return new VariantAudit
        {
            ExactCheck = exact,
            Id = v.Id,
            Parent = v.Parent,
            Generation = v.Generation,
            Sequence = v.Sequence,
            Changes = changes,
            Meta = meta,
            Gate = new GateVerdict(v.Status.Label, v.Status.Reason, [.. forbidden], protectedPaths),
            Scores = scores,
            Flags = flags,
            Marks = marks,
        };
    }

    /// <summary>The train−val gap a child's is compared with: the larger of the seed's gap (the domain's own: kissing-number
    /// train instances are solved exactly, val ones are not, so every variant has the seed's gap) and the gap of its
    /// nearest ancestor that has one (a gap a parent already had is flagged there, not on every descendant);
    /// <see langword="null"/> when neither has one.</summary>
    private static double? ReferenceGap(VariantSummary v, Dictionary<string, VariantSummary> byId, double? seedGap)
    {
        double? ancestorGap = null;
        for (var at = v.Parent; at is not null && byId.TryGetValue(at, out var ancestor); at = ancestor.Parent)
        {
            if (Gap(ancestor) is { } found)
            {
                ancestorGap = found;
                break;
            }
        }

        return (seedGap, ancestorGap) switch
        {
            ({ } s, { } a) => Math.Max(s, a),
            ({ } s, null) => s,
            (null, var a) => a,
        };
    }

    /// <summary>Train minus val, when the variant has both: val draws on seeds disjoint from train's, so a gap that
    /// grows is the code fitting train (or its fixed seeds), not luck shared by both.</summary>
    private static double? Gap(VariantSummary v) =>
        v.Scores.TryGetValue("train", out var train) && v.Scores.TryGetValue("val", out var val) ? train - val : null;

    /// <summary>Lines added and removed by a unified diff.</summary>
    internal static (int Added, int Removed) CountLines(string patch)
    {
        int added = 0, removed = 0;
        foreach (var line in patch.Split('\n'))
        {
            if (line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith('+'))
            {
                added++;
            }
            else if (line.StartsWith('-'))
            {
                removed++;
            }
        }

        return (added, removed);
    }

    private static (MetaRunSummary Meta, SortedSet<string> Forbidden) ReadTranscript(IReadOnlyList<TranscriptRecord> transcript, ModelUsage? usage)
    {
        var tools = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var forbidden = new SortedSet<string>(StringComparer.Ordinal);
        int errors = 0, exchanges = 0;
        string? outcome = null;
        foreach (var record in transcript)
        {
            switch (record)
            {
                case CallRecord call:
                    var capability = call.Capability ?? "?";
                    tools[capability] = tools.GetValueOrDefault(capability) + 1;
                    errors += call.Error is null ? 0 : 1;
                    break;
                case ModelRecordLine line:
                    exchanges += line.Count;
                    break;
                case OutcomeRecord o:
                    outcome = o.Outcome;
                    break;
                case DiagnosticRecord d when IsGateFinding(d.DiagnosticId):
                    forbidden.Add($"{d.DiagnosticId}: {d.DiagnosticMessage.Trim()}");
                    break;
            }
        }

        var modelCalls = usage is { Requests: > 0 } ? usage.Requests : exchanges;
        var model = usage is { Provider: not null } || usage is { Model: not null } ? $"{usage.Provider}/{usage.Model}" : null;
        return (new MetaRunSummary(tools, errors, modelCalls, usage?.InputTokens ?? 0, usage?.OutputTokens ?? 0, model, outcome, transcript.Count), forbidden);
    }

    /// <summary>The capability-gate findings: <c>HA0001</c>..<c>HA0009</c>.</summary>
    private static bool IsGateFinding(string? id) => id is { Length: 6 } && id.StartsWith("HA000", StringComparison.Ordinal) && id[5] is >= '1' and <= '9';
}
