using System.Text;
using LibGit2Sharp;
using static Hyperagents.Archive.GitObjects;

namespace Hyperagents.Archive;

/// <summary>The read side of a run: the index of variants and the files, diffs, provenance and notes git holds for them.</summary>
internal sealed class RunReader(RunState run)
{
    private readonly RunState _run = run;

    public IReadOnlyList<VariantSummary> ListVariants()
    {
        lock (_run.Gate)
        {
            _run.Refresh();
            return _run.Order.Select(Summarise).ToList();
        }
    }

    public VariantSummary GetVariant(string variantId)
    {
        lock (_run.Gate)
        {
            _run.Refresh();
            return Summarise(_run.Require(variantId));
        }
    }

    public string? Best
    {
        get
        {
            lock (_run.Gate)
            {
                _run.Refresh();
                return _run.Best;
            }
        }
    }

    public string Resolve(string idOrPrefix)
    {
        lock (_run.Gate)
        {
            _run.Refresh();
            switch (idOrPrefix)
            {
                case "best":
                    return _run.Best ?? throw new ArchiveException("No best variant was set in this run yet.");
                case "seed":
                    return _run.Order.Count > 0 ? _run.Order[0].Id : throw new ArchiveException("This run has no variants yet.");
                case "latest":
                    return _run.Order.Count > 0 ? _run.Order[^1].Id : throw new ArchiveException("This run has no variants yet.");
            }

            if (_run.ById.ContainsKey(idOrPrefix))
            {
                return idOrPrefix;
            }

            var prefix = idOrPrefix.ToLowerInvariant();
            if (prefix.Length < 4 || !prefix.All(Uri.IsHexDigit))
            {
                throw new ArchiveException($"'{idOrPrefix}' is not a variant id; give 4 or more hex digits of one, or best, seed, latest.");
            }

            var matches = _run.Order.Where(e => e.Id.StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList();
            return matches.Count switch
            {
                1 => matches[0].Id,
                0 => throw new ArchiveException($"No variant of this run starts with '{idOrPrefix}'; list them with 'hyperagents lineage'."),
                _ => throw new ArchiveException($"Several variants start with '{idOrPrefix}'; give more digits."),
            };
        }
    }

    public IReadOnlyList<VariantSummary> GetLineage(string variantId)
    {
        lock (_run.Gate)
        {
            _run.Refresh();
            var result = new List<VariantSummary>();
            for (var e = _run.Require(variantId); ; e = _run.ById[e.Parent])
            {
                result.Add(Summarise(e));
                if (e.Parent is null)
                {
                    return result;
                }
            }
        }
    }

    public IReadOnlyList<string> GetChildren(string variantId)
    {
        lock (_run.Gate)
        {
            _run.Refresh();
            return _run.Require(variantId).ChildIds.ToList();
        }
    }

    public IReadOnlyDictionary<string, string> GetFiles(string variantId)
    {
        lock (_run.Gate)
        {
            var commit = _run.LookupVariant(variantId);
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (path, (id, _)) in ReadAgentFiles(commit.Tree))
            {
                files[path] = _run.Repo.Lookup<Blob>(id).GetContentText(Encoding.UTF8);
            }

            return files;
        }
    }

    public IReadOnlyList<FileDiff> GetDiff(string variantId)
    {
        lock (_run.Gate)
        {
            var commit = _run.LookupVariant(variantId);
            var parent = commit.Parents.Single();
            var patch = _run.Repo.Diff.Compare<Patch>(parent.Tree, commit.Tree);
            return patch
                .Where(p => !p.Path.StartsWith(AgentPaths.Reserved + "/", StringComparison.Ordinal))
                .Select(p => new FileDiff(
                    p.Path,
                    p.Status switch { ChangeKind.Added => "added", ChangeKind.Deleted => "deleted", _ => "modified" },
                    FileKinds.Of(p.Path),
                    p.Patch))
                .OrderBy(d => d.Path, StringComparer.Ordinal)
                .ToList();
        }
    }

    public Provenance ReadProvenance(string variantId)
    {
        lock (_run.Gate)
        {
            return _run.ParseProvenance(_run.LookupVariant(variantId));
        }
    }

    public string? ReadTranscript(string variantId)
    {
        lock (_run.Gate)
        {
            return ReadText(_run.LookupVariant(variantId).Tree, TranscriptPath);
        }
    }

    public IReadOnlyList<Evaluation> GetEvaluations(string variantId)
    {
        lock (_run.Gate)
        {
            _run.Refresh();
            var text = _run.ReadNote(ArchiveRun.EvaluationNotesRef, _run.Require(variantId).Id);
            return text is null ? [] : ArchiveJson.EvaluationNote(text).Evaluations;
        }
    }

    public IReadOnlyList<VariantMark> GetMarks(string variantId)
    {
        lock (_run.Gate)
        {
            _run.Refresh();
            var text = _run.ReadNote(ArchiveRun.MarkNotesRef, _run.Require(variantId).Id);
            return text is null ? [] : ArchiveJson.MarkNote(text).Marks;
        }
    }

    public VariantSummary Summarise(RunEntry e) => new(
        e.Id, e.Parent, e.Generation, e.Sequence, e.Status, e.Scores, e.Evaluations, e.ChildIds.Count, e.InvalidParent,
        string.Equals(e.Id, _run.Best, StringComparison.Ordinal));
}
