using System.Text;
using System.Text.Json;
using LibGit2Sharp;
using static Hyperagents.Archive.ArchiveRun;
using static Hyperagents.Archive.GitObjects;

namespace Hyperagents.Archive;

/// <summary>Checks a run against git alone: the cheap check on open and before every write, and the full verify.</summary>
internal sealed class RunVerifier(RunState run)
{
    private readonly RunState _run = run;

    public IReadOnlyList<VerifyProblem> IntegrityProblems
    {
        get
        {
            lock (_run.Gate)
            {
                return _run.Integrity;
            }
        }
    }

    public void EnsureWritable()
    {
        using var held = _run.HoldLock();
        lock (_run.Gate)
        {
            _run.Refresh();
            RequireTrustworthy();
        }
    }

    public VerifyReport Verify(string? trustedSigningKey = null, string? expectedHead = null)
    {
        var head = expectedHead?.Trim().ToLowerInvariant();
        if (head is not null && (head.Length != 64 || !head.All(char.IsAsciiHexDigit)))
        {
            throw new ArchiveException($"'{expectedHead}' is not a journal head: give the 64 hex digits that 'hyperagents verify' or 'hyperagents status' printed.");
        }

        var problems = new List<VerifyProblem>();
        using (_run.HoldLock())
        {
            // Refs are compared with the journal under the run lock: a writer between its journal record and its ref
            // update would otherwise look like tampering.
            lock (_run.Gate)
            {
                _run.Refresh();
                problems.AddRange(QuickCheck(full: true));
            }
        }

        lock (_run.Gate)
        {
            var present = new HashSet<ObjectId>();
            var damaged = new HashSet<string>(StringComparer.Ordinal);
            var filesCache = new Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>>(StringComparer.Ordinal);
            foreach (var entry in _run.Order)
            {
                VerifyVariant(entry, present, damaged, filesCache, problems);
                if (filesCache.Count > 4096)
                {
                    filesCache.Clear();
                }
            }

            var notes = VerifyNotes(EvaluationNotesRef, "E", problems) + VerifyNotes(MarkNotesRef, "M", problems);
            string? key;
            try
            {
                key = _run.SigningKey;
            }
            catch (Exception e) when (e is ArchiveException or LibGit2SharpException or JsonException)
            {
                problems.Add(new(null, $"the manifest cannot be read, so signatures were not checked: {e.Message}"));
                return new VerifyReport(_run.Order.Count, notes, _run.Journal.Head, problems);
            }

            if (trustedSigningKey is not null && trustedSigningKey.Trim() != key)
            {
                problems.Add(new(null, $"the run is signed with {key ?? "no key"}, not the trusted key"));
            }

            VerifySignatures(key, problems);
            if (head is not null)
            {
                var after = _run.Journal.RecordsAfterHead(head);
                if (after < 0)
                {
                    problems.Add(new(null, $"the journal does not contain the expected head {head}: its history was rewritten, cut or replaced since that head was kept"));
                }
                else if (after > 0)
                {
                    problems.Add(new(null, $"the journal holds {after} record(s) written after the expected head {head[..16]}: if you made those writes (a resume), keep the new head {_run.Journal.Head}"));
                }
            }

            return new VerifyReport(_run.Order.Count, notes, _run.Journal.Head, problems);
        }
    }

    /// <summary>
    /// The cheap check, under the run lock: journal state, run refs and notes tips against the journal (a notes
    /// commit id covers every note's bytes), those commits present, and the variant refs against the journal: counted
    /// from the refs folder and <c>packed-refs</c> on open (reading 100,000 refs through libgit2 costs seconds), each
    /// compared both ways when <paramref name="full"/> (verify).
    /// </summary>
    public List<VerifyProblem> QuickCheck(bool full = false)
    {
        var problems = new List<VerifyProblem>();
        if (_run.JournalLost is { } lost)
        {
            problems.Add(new(null, lost));
        }

        if (_run.Journal.Damage is { } damage)
        {
            problems.Add(new(null, $"the journal (hyperagents/journal) is damaged: {damage}; nothing after its last valid record is trusted"));
        }

        if (_run.Journal.TornTail)
        {
            problems.Add(new(null, "the journal has a torn tail; reopen the run to reconcile it"));
        }

        CheckRunRefs(problems);
        if (!full)
        {
            var refs = CountVariantRefs();
            if (refs != _run.Order.Count)
            {
                problems.Add(new(null, $"git holds {refs} variant ref(s) but the journal records {_run.Order.Count} variant(s): refs were added or deleted outside the archive, or the journal was cut"));
            }

            return problems;
        }

        var refTargets = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string>? byShortId = null;
        foreach (var reference in _run.Repo.Refs.FromGlob(VariantRefPrefix + "*"))
        {
            var name = reference.CanonicalName[VariantRefPrefix.Length..];
            var target = reference.ResolveToDirectReference()?.TargetIdentifier ?? "nothing";
            refTargets[name] = target;
            if (!_run.ById.ContainsKey(target))
            {
                byShortId ??= _run.Order.GroupBy(e => e.Id[..12], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
                var named = name.Length >= 12 && byShortId.TryGetValue(name[..12], out var recorded) && recorded.StartsWith(name, StringComparison.Ordinal) ? recorded : null;
                problems.Add(new(named ?? target, $"ref variants/{name} points to {target}, a commit the archive never recorded (rewritten, or added outside the archive, or the journal was cut)"));
            }
            else if (!target.StartsWith(name, StringComparison.Ordinal))
            {
                problems.Add(new(target, $"ref variants/{name} points to {target}, which its name does not match"));
            }
        }

        foreach (var entry in _run.Order)
        {
            var shortName = entry.Id[..12];
            if (refTargets.GetValueOrDefault(shortName) != entry.Id && refTargets.GetValueOrDefault(entry.Id) != entry.Id)
            {
                problems.Add(new(entry.Id, refTargets.TryGetValue(shortName, out var other)
                    ? $"its ref variants/{shortName} points to {other} instead"
                    : $"its ref variants/{shortName} is missing"));
            }
        }

        return problems;
    }

    /// <summary>How many refs git holds under <see cref="VariantRefPrefix"/>, from the files alone (loose and packed).</summary>
    private int CountVariantRefs()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var folder = System.IO.Path.Combine(_run.Repo.Info.Path, VariantRefPrefix.TrimEnd('/'));
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
            {
                names.Add(System.IO.Path.GetRelativePath(folder, file).Replace('\\', '/'));
            }
        }

        // packed-refs lines: "<40 hex> refs/heads/variants/<name>"; peeled ("^") and header ("#") lines do not match.
        var packed = System.IO.Path.Combine(_run.Repo.Info.Path, "packed-refs");
        if (File.Exists(packed))
        {
            foreach (var line in File.ReadLines(packed))
            {
                if (line.Length > 41 + VariantRefPrefix.Length && line[40] == ' ' && line.AsSpan(41).StartsWith(VariantRefPrefix, StringComparison.Ordinal))
                {
                    names.Add(line[(41 + VariantRefPrefix.Length)..]);
                }
            }
        }

        return names.Count;
    }

    /// <summary>Throws when the run must not be written: the journal lost or damaged, the cheap check failed at open,
    /// or the run refs and notes tips no longer match the journal (O(1), so every write checks it).</summary>
    public void RequireTrustworthy()
    {
        var problems = new List<VerifyProblem>();
        if (_run.JournalLost is { } lost)
        {
            problems.Add(new(null, lost));
        }
        else if (_run.Journal.Damage is { } damage)
        {
            problems.Add(new(null, "the journal is damaged: " + damage));
        }
        else
        {
            problems.AddRange(_run.Integrity);
            if (problems.Count == 0)
            {
                CheckRunRefs(problems);
            }
        }

        if (problems.Count > 0)
        {
            var name = System.IO.Path.GetFileName(_run.Path);
            throw new ArchiveException(
                $"The run '{name}' fails verification ({Describe(problems[0])}{(problems.Count > 1 ? $"; {problems.Count - 1} more" : "")}), so nothing is written on top of it. " +
                $"Run 'hyperagents verify {name}' to see every problem. To go on, restore hyperagents/journal from a copy you kept, or, " +
                $"if you trust the run's git data as it is now, adopt it with 'hyperagents verify {name} --rebuild-journal'.");
        }
    }

    private static string Describe(VerifyProblem problem) =>
        problem.Variant is { } v ? $"variant {v[..Math.Min(12, v.Length)]}: {problem.Message}" : problem.Message;

    private void VerifySignatures(string? key, List<VerifyProblem> problems)
    {
        if (key is null)
        {
            return;
        }

        bool Signed(string id)
        {
            try
            {
                var info = Commit.ExtractSignature(_run.Repo, new ObjectId(id));
                return CommitSigner.Verify(info.Signature, info.SignedData, key);
            }
            catch (LibGit2SharpException)
            {
                return false;
            }
        }

        if (_run.ManifestId is not null && _run.Has(_run.ManifestId) && !Signed(_run.ManifestId))
        {
            problems.Add(new(null, "the manifest commit is not signed with the run's key"));
        }

        foreach (var entry in _run.Order.Where(e => _run.Has(e.Id) && !Signed(e.Id)))
        {
            problems.Add(new(entry.Id, "its commit is not signed with the run's key"));
        }

        foreach (var reference in _run.Repo.Refs.FromGlob(VariantRefPrefix + "*").Where(r => !_run.ById.ContainsKey(r.TargetIdentifier) && _run.Has(r.TargetIdentifier) && !Signed(r.TargetIdentifier)))
        {
            problems.Add(new(reference.TargetIdentifier, $"ref {reference.CanonicalName} points to a commit not signed with the run's key"));
        }

        foreach (var notesRef in new[] { EvaluationNotesRef, MarkNotesRef })
        {
            if (_run.Repo.Refs[notesRef]?.TargetIdentifier is { } tip && _run.Has(tip) && !Signed(tip))
            {
                problems.Add(new(null, $"{notesRef} points to a commit not signed with the run's key"));
            }
        }
    }

    /// <summary><c>manifest</c>, <c>best</c> and both notes refs against the journal, and their commits present.</summary>
    private void CheckRunRefs(List<VerifyProblem> problems)
    {
        var manifest = _run.Repo.Refs[ManifestRef]?.TargetIdentifier;
        if (manifest != _run.ManifestId)
        {
            problems.Add(new(null, $"{ManifestRef} points to {manifest ?? "nothing"}, not the recorded manifest commit {_run.ManifestId ?? "(none: the journal has no run record)"}"));
        }
        else if (manifest is not null && !_run.Has(manifest))
        {
            problems.Add(new(null, $"the manifest commit {manifest} is missing from the object database"));
        }

        var best = _run.Repo.Refs[BestRef]?.TargetIdentifier;
        var expected = _run.Best ?? _run.ManifestId;
        if (best != expected)
        {
            problems.Add(new(best, $"{BestRef} points to {best ?? "nothing"}, not the recorded best {expected}"));
        }

        foreach (var (notesRef, type) in new[] { (EvaluationNotesRef, "E"), (MarkNotesRef, "M") })
        {
            var tip = _run.Repo.Refs[notesRef]?.ResolveToDirectReference()?.TargetIdentifier;
            var recorded = _run.NotesTips.GetValueOrDefault(type);
            if (tip != recorded)
            {
                problems.Add(new(null, $"{notesRef} points to {tip ?? "nothing"}, not the last notes commit the archive wrote ({recorded ?? "none"}): notes were changed outside the archive"));
            }
            else if (tip is not null && !_run.Has(tip))
            {
                problems.Add(new(null, $"the notes commit {tip} ({notesRef}) is missing from the object database"));
            }
        }
    }

    /// <summary>
    /// Every object a variant's commit needs (the commit, its trees, its blobs) that is not in the object database,
    /// described with its path. Objects found in an earlier variant are not looked up again.
    /// </summary>
    private List<string> MissingObjects(Commit commit, HashSet<ObjectId> present)
    {
        var missing = new List<string>();
        void Walk(ObjectId treeId, string folder)
        {
            if (present.Contains(treeId))
            {
                return;
            }

            if (!_run.Has(treeId))
            {
                missing.Add($"its {(folder.Length == 0 ? "root tree" : "folder " + folder)} (tree {treeId.Sha}) is missing from the object database");
                return;
            }

            Tree tree;
            try
            {
                tree = _run.Repo.Lookup<Tree>(treeId);
            }
            catch (LibGit2SharpException e)
            {
                missing.Add($"its {(folder.Length == 0 ? "root tree" : "folder " + folder)} (tree {treeId.Sha}) cannot be read: {e.Message}");
                return;
            }

            var complete = true;
            foreach (var entry in tree)
            {
                var id = entry.Target.Id;
                var path = folder + entry.Name;
                if (entry.TargetType == TreeEntryTargetType.Tree)
                {
                    var before = missing.Count;
                    Walk(id, path + "/");
                    complete &= missing.Count == before;
                }
                else if (entry.TargetType == TreeEntryTargetType.Blob && !present.Contains(id))
                {
                    if (_run.Has(id))
                    {
                        present.Add(id);
                    }
                    else
                    {
                        missing.Add($"its file {path} (blob {id.Sha}) is missing from the object database");
                        complete = false;
                    }
                }
            }

            if (complete)
            {
                present.Add(treeId);
            }
        }

        Walk(commit.Tree.Id, "");
        return missing;
    }

    private void VerifyVariant(
        RunEntry entry,
        HashSet<ObjectId> present,
        HashSet<string> damaged,
        Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>> filesCache,
        List<VerifyProblem> problems)
    {
        void Problem(string message) => problems.Add(new(entry.Id, message));

        if (!_run.Has(entry.Id))
        {
            damaged.Add(entry.Id);
            Problem($"its commit {entry.Id} is missing from the object database");
            return;
        }

        try
        {
            var commit = _run.Repo.Lookup<Commit>(entry.Id);
            var missing = MissingObjects(commit, present);
            if (missing.Count > 0)
            {
                damaged.Add(entry.Id);
                missing.Take(8).ToList().ForEach(Problem);
                if (missing.Count > 8)
                {
                    Problem($"and {missing.Count - 8} more of its objects are missing");
                }

                return;
            }

            VerifyContent(entry, commit, damaged, filesCache, Problem);
        }
        catch (LibGit2SharpException e)
        {
            // A damaged object (bytes that do not inflate or hash): name the variant; 'git fsck' names the object.
            damaged.Add(entry.Id);
            Problem($"git cannot read its objects ({e.Message}); 'git fsck --full' in the run's folder names the damaged one");
        }
    }

    private void VerifyContent(
        RunEntry entry,
        Commit commit,
        HashSet<string> damaged,
        Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>> filesCache,
        Action<string> problem)
    {
        var parentIds = commit.Parents.Select(p => p.Sha).ToList();
        var expectedParent = entry.Parent ?? _run.ManifestId;
        if (parentIds.Count != 1 || parentIds[0] != expectedParent)
        {
            problem($"its commit's parent is {string.Join(",", parentIds)}, expected {expectedParent}");
            return;
        }

        Provenance provenance;
        try
        {
            provenance = _run.ParseProvenance(commit);
        }
        catch (Exception e) when (e is JsonException or ArchiveException)
        {
            problem($"its provenance cannot be read: {e.Message}");
            return;
        }

        if (provenance.Schema != Provenance.CurrentSchema)
        {
            problem($"its provenance has schema '{provenance.Schema}', expected '{Provenance.CurrentSchema}'");
        }

        if (provenance.Parent != entry.Parent)
        {
            problem($"its provenance names parent {provenance.Parent ?? "none"}, but its commit's parent is {entry.Parent ?? "the manifest"}");
        }

        var parentGeneration = entry.Parent is null ? -1 : _run.ById.TryGetValue(entry.Parent, out var p) ? p.Generation : -2;
        if (provenance.Generation != parentGeneration + 1 || provenance.Generation != entry.Generation)
        {
            problem($"its provenance says generation {provenance.Generation}, expected {parentGeneration + 1}");
        }

        if (provenance.Sequence != entry.Sequence)
        {
            problem($"its provenance says sequence {provenance.Sequence}, the journal {entry.Sequence}");
        }

        if (provenance.Status != entry.Status)
        {
            problem($"its provenance says status '{provenance.Status}', the journal '{entry.Status}'");
        }

        var agentTree = AgentTreeId(commit.Tree);
        if (provenance.AgentTree != agentTree)
        {
            problem($"its provenance records agent tree {provenance.AgentTree}, but its files hash to {agentTree}");
        }

        // The change list needs the parent's files; a parent whose objects are missing is named on its own.
        var parentReadable = entry.Parent is null || (!damaged.Contains(entry.Parent) && _run.Has(entry.Parent));
        if (parentReadable)
        {
            var own = FilesOf(commit, filesCache);
            var parentFiles = entry.Parent is null ? [] : FilesOf(_run.Repo.Lookup<Commit>(entry.Parent), filesCache);
            var changes = DiffFiles(parentFiles, own);
            var recorded = provenance.Changes.Select(c => $"{c.Change} {c.Kind} {c.Path}");
            var actual = changes.Select(c => $"{c.Change} {c.Kind} {c.Path}");
            if (!recorded.SequenceEqual(actual))
            {
                problem($"its provenance lists changes [{string.Join(", ", recorded)}], but its tree differs from its parent's by [{string.Join(", ", actual)}]");
            }
        }

        var transcriptEntry = commit.Tree[TranscriptPath];
        if (provenance.Transcript is { } transcript)
        {
            if (transcriptEntry is null || transcriptEntry.Target.Sha != transcript.Blob || transcript.Path != TranscriptPath)
            {
                problem($"its transcript is not the recorded blob {transcript.Blob}");
            }
            else if (CountLines(((Blob)transcriptEntry.Target).GetContentText(Encoding.UTF8)) != transcript.Lines)
            {
                problem($"its transcript does not have the recorded {transcript.Lines} lines");
            }
        }
        else if (transcriptEntry is not null)
        {
            problem("it holds a transcript its provenance does not record");
        }

        var extra = commit.Tree[AgentPaths.Reserved] is { Target: Tree reserved }
            ? reserved.Select(e => e.Name).Where(n => n is not "provenance.json" and not "transcript.jsonl").ToList()
            : [];
        if (extra.Count > 0)
        {
            problem($"its {AgentPaths.Reserved}/ holds unexpected files: {string.Join(", ", extra)}");
        }
    }

    private int VerifyNotes(string notesRef, string recordType, List<VerifyProblem> problems)
    {
        var what = recordType == "E" ? "evaluations" : "marks";
        var recordedAny = _run.Order.Where(e => (recordType == "E" ? e.Evaluations : e.Marks) > 0).ToList();
        var tip = _run.Repo.Refs[notesRef]?.ResolveToDirectReference()?.TargetIdentifier;
        if (tip is null)
        {
            foreach (var e in recordedAny)
            {
                problems.Add(new(e.Id, $"its {what} are recorded but {notesRef} is missing"));
            }

            return 0;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        try
        {
            // A missing tip was named by the cheap check; its notes cannot be read.
            var notes = _run.Has(tip) ? _run.ReadNotes(_run.Repo.Lookup<Commit>(tip), notesRef, problems) : [];
            foreach (var (id, blobId) in notes)
            {
                count++;
                seen.Add(id);
                if (!_run.ById.TryGetValue(id, out var entry))
                {
                    problems.Add(new(id, $"{notesRef} holds a note on {id}, which is not a variant of this run"));
                    continue;
                }

                if (!_run.Has(blobId))
                {
                    problems.Add(new(id, $"its note in {notesRef} (blob {blobId.Sha}) is missing from the object database"));
                    continue;
                }

                VerifyNote(notesRef, recordType, id, entry, _run.Repo.Lookup<Blob>(blobId), problems);
            }
        }
        catch (LibGit2SharpException e)
        {
            problems.Add(new(null, $"git cannot read {notesRef} ({e.Message}); 'git fsck --full' in the run's folder names the damaged object"));
            return count;
        }

        foreach (var e in recordedAny.Where(e => !seen.Contains(e.Id)))
        {
            problems.Add(new(e.Id, $"its note in {notesRef} is missing"));
        }

        return count;
    }

    private static void VerifyNote(string notesRef, string recordType, string id, RunEntry entry, Blob blob, List<VerifyProblem> problems)
    {
        try
        {
            var text = blob.GetContentText(Encoding.UTF8);
            if (recordType == "E")
            {
                var note = ArchiveJson.EvaluationNote(text);
                if (note.Schema != EvaluationNote.CurrentSchema || note.Variant != id)
                {
                    problems.Add(new(id, $"its evaluation note has schema '{note.Schema}' and names variant {note.Variant}"));
                }
                else if (note.Evaluations.Count != entry.Evaluations)
                {
                    problems.Add(new(id, $"its evaluation note holds {note.Evaluations.Count} evaluations, the journal {entry.Evaluations}"));
                }
                else if (note.Evaluations.Any(e => string.IsNullOrWhiteSpace(e.EvaluatorHash)))
                {
                    problems.Add(new(id, "an evaluation in its note has no evaluator hash"));
                }
                else if (FormatScores(LatestScores(note.Evaluations)) != FormatScores(entry.Scores))
                {
                    problems.Add(new(id, $"its latest evaluations score {FormatScores(LatestScores(note.Evaluations))}, the journal {FormatScores(entry.Scores)}"));
                }
            }
            else
            {
                var note = ArchiveJson.MarkNote(text);
                if (note.Schema != MarkNote.CurrentSchema || note.Variant != id || note.Marks.Count != entry.Marks)
                {
                    problems.Add(new(id, $"its mark note does not match the journal ({note.Marks.Count} marks, {entry.Marks} recorded)"));
                }
            }
        }
        catch (JsonException e)
        {
            problems.Add(new(id, $"its note in {notesRef} is not valid JSON: {e.Message}"));
        }
    }

    private Dictionary<string, (ObjectId Id, Mode Mode)> FilesOf(Commit commit, Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>> cache)
    {
        if (!cache.TryGetValue(commit.Sha, out var files))
        {
            files = ReadAgentFiles(commit.Tree);
            cache[commit.Sha] = files;
        }

        return files;
    }
}
