using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LibGit2Sharp;

namespace Hyperagents.Archive;

public sealed partial class ArchiveRun
{
    private readonly Dictionary<string, string> _notesTips = new(StringComparer.Ordinal);

    /// <summary>Why the journal has no run record while git holds variants (missing, emptied, cut), or <see langword="null"/>.</summary>
    private string? _journalLost;

    private IReadOnlyList<VerifyProblem> _integrity = [];

    /// <summary>
    /// What the cheap integrity check found when the run was opened (or its journal rebuilt): the journal missing,
    /// damaged or truncated; <c>manifest</c>, <c>best</c>, the notes refs and the variant refs against the journal;
    /// the commits those refs name present. Empty when nothing was found; <see cref="Verify"/> checks everything.
    /// </summary>
    public IReadOnlyList<VerifyProblem> IntegrityProblems
    {
        get
        {
            lock (_gate)
            {
                return _integrity;
            }
        }
    }

    /// <summary>Refuses, before any work is done, to write on top of a run that fails the cheap integrity check.</summary>
    /// <exception cref="ArchiveException">The run fails it; the message says what was found and how to proceed.</exception>
    public void EnsureWritable()
    {
        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            Refresh();
            RequireTrustworthy();
        }
    }

    /// <summary>
    /// Checks every variant against git alone: provenance against tree and parent (agent-tree hash, generation, changed
    /// files and their kinds, transcript blob), every object present, refs against the journal, notes against their
    /// variants and the journal, signatures, and optionally the journal against a head kept outside the run.
    /// </summary>
    /// <param name="trustedSigningKey">
    /// A public key (OpenSSH form) kept outside the run; when given, the run must be signed with exactly this key, so a
    /// forger cannot re-sign a rewritten run with a key of their own.
    /// </param>
    /// <param name="expectedHead">
    /// A journal head (<see cref="VerifyReport.JournalHead"/>) kept outside the run; when given, the journal must end
    /// exactly there, so a journal rewritten, cut or replaced since is found even when git was rewritten to match it.
    /// </param>
    /// <returns>The report; <see cref="VerifyReport.Ok"/> when nothing is wrong. Each problem names its variant.</returns>
    /// <exception cref="ArchiveException"><paramref name="expectedHead"/> is not 64 hex digits.</exception>
    public VerifyReport Verify(string? trustedSigningKey = null, string? expectedHead = null)
    {
        var head = expectedHead?.Trim().ToLowerInvariant();
        if (head is not null && (head.Length != 64 || !head.All(char.IsAsciiHexDigit)))
        {
            throw new ArchiveException($"'{expectedHead}' is not a journal head: give the 64 hex digits that 'hyperagents verify' or 'hyperagents status' printed.");
        }

        var problems = new List<VerifyProblem>();
        using (RunLock.Acquire(_lockPath, _options.LockTimeout))
        {
            // Refs are compared with the journal under the run lock: a writer between its journal record and its ref
            // update would otherwise look like tampering.
            lock (_gate)
            {
                Refresh();
                problems.AddRange(QuickCheck(full: true));
            }
        }

        lock (_gate)
        {
            var present = new HashSet<ObjectId>();
            var damaged = new HashSet<string>(StringComparer.Ordinal);
            var filesCache = new Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>>(StringComparer.Ordinal);
            foreach (var entry in _order)
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
                key = SigningKey;
            }
            catch (Exception e) when (e is ArchiveException or LibGit2SharpException or JsonException)
            {
                problems.Add(new(null, $"the manifest cannot be read, so signatures were not checked: {e.Message}"));
                return new VerifyReport(_order.Count, notes, _journal.Head, problems);
            }

            if (trustedSigningKey is not null && trustedSigningKey.Trim() != key)
            {
                problems.Add(new(null, $"the run is signed with {key ?? "no key"}, not the trusted key"));
            }

            VerifySignatures(key, problems);
            if (head is not null)
            {
                var after = _journal.RecordsAfterHead(head);
                if (after < 0)
                {
                    problems.Add(new(null, $"the journal does not contain the expected head {head}: its history was rewritten, cut or replaced since that head was kept"));
                }
                else if (after > 0)
                {
                    problems.Add(new(null, $"the journal holds {after} record(s) written after the expected head {head[..16]}: if you made those writes (a resume), keep the new head {_journal.Head}"));
                }
            }

            return new VerifyReport(_order.Count, notes, _journal.Head, problems);
        }
    }

    /// <summary>
    /// The cheap check, under the run lock: journal state, run refs and notes tips against the journal (a notes
    /// commit id covers every note's bytes), those commits present, and the variant refs against the journal: counted
    /// from the refs folder and <c>packed-refs</c> on open (reading 100,000 refs through libgit2 costs seconds), each
    /// compared both ways when <paramref name="full"/> (verify).
    /// </summary>
    private List<VerifyProblem> QuickCheck(bool full = false)
    {
        var problems = new List<VerifyProblem>();
        if (_journalLost is { } lost)
        {
            problems.Add(new(null, lost));
        }

        if (_journal.Damage is { } damage)
        {
            problems.Add(new(null, $"the journal (hyperagents/journal) is damaged: {damage}; nothing after its last valid record is trusted"));
        }

        if (_journal.TornTail)
        {
            problems.Add(new(null, "the journal has a torn tail; reopen the run to reconcile it"));
        }

        CheckRunRefs(problems);
        if (!full)
        {
            var refs = CountVariantRefs();
            if (refs != _order.Count)
            {
                problems.Add(new(null, $"git holds {refs} variant ref(s) but the journal records {_order.Count} variant(s): refs were added or deleted outside the archive, or the journal was cut"));
            }

            return problems;
        }

        var refTargets = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, string>? byShortId = null;
        foreach (var reference in _repo.Refs.FromGlob(VariantRefPrefix + "*"))
        {
            var name = reference.CanonicalName[VariantRefPrefix.Length..];
            var target = reference.ResolveToDirectReference()?.TargetIdentifier ?? "nothing";
            refTargets[name] = target;
            if (!_byId.ContainsKey(target))
            {
                byShortId ??= _order.GroupBy(e => e.Id[..12], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
                var named = name.Length >= 12 && byShortId.TryGetValue(name[..12], out var recorded) && recorded.StartsWith(name, StringComparison.Ordinal) ? recorded : null;
                problems.Add(new(named ?? target, $"ref variants/{name} points to {target}, a commit the archive never recorded (rewritten, or added outside the archive, or the journal was cut)"));
            }
            else if (!target.StartsWith(name, StringComparison.Ordinal))
            {
                problems.Add(new(target, $"ref variants/{name} points to {target}, which its name does not match"));
            }
        }

        foreach (var entry in _order)
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
        var folder = System.IO.Path.Combine(_repo.Info.Path, VariantRefPrefix.TrimEnd('/'));
        if (Directory.Exists(folder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
            {
                names.Add(System.IO.Path.GetRelativePath(folder, file).Replace('\\', '/'));
            }
        }

        // packed-refs lines: "<40 hex> refs/heads/variants/<name>"; peeled ("^") and header ("#") lines do not match.
        var packed = System.IO.Path.Combine(_repo.Info.Path, "packed-refs");
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
    private void RequireTrustworthy()
    {
        var problems = new List<VerifyProblem>();
        if (_journalLost is { } lost)
        {
            problems.Add(new(null, lost));
        }
        else if (_journal.Damage is { } damage)
        {
            problems.Add(new(null, "the journal is damaged: " + damage));
        }
        else
        {
            problems.AddRange(_integrity);
            if (problems.Count == 0)
            {
                CheckRunRefs(problems);
            }
        }

        if (problems.Count > 0)
        {
            var name = System.IO.Path.GetFileName(Path);
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
                var info = Commit.ExtractSignature(_repo, new ObjectId(id));
                return CommitSigner.Verify(info.Signature, info.SignedData, key);
            }
            catch (LibGit2SharpException)
            {
                return false;
            }
        }

        if (_manifestId is not null && Has(_manifestId) && !Signed(_manifestId))
        {
            problems.Add(new(null, "the manifest commit is not signed with the run's key"));
        }

        foreach (var entry in _order.Where(e => Has(e.Id) && !Signed(e.Id)))
        {
            problems.Add(new(entry.Id, "its commit is not signed with the run's key"));
        }

        foreach (var reference in _repo.Refs.FromGlob(VariantRefPrefix + "*").Where(r => !_byId.ContainsKey(r.TargetIdentifier) && Has(r.TargetIdentifier) && !Signed(r.TargetIdentifier)))
        {
            problems.Add(new(reference.TargetIdentifier, $"ref {reference.CanonicalName} points to a commit not signed with the run's key"));
        }

        foreach (var notesRef in new[] { EvaluationNotesRef, MarkNotesRef })
        {
            if (_repo.Refs[notesRef]?.TargetIdentifier is { } tip && Has(tip) && !Signed(tip))
            {
                problems.Add(new(null, $"{notesRef} points to a commit not signed with the run's key"));
            }
        }
    }

    /// <summary><c>manifest</c>, <c>best</c> and both notes refs against the journal, and their commits present.</summary>
    private void CheckRunRefs(List<VerifyProblem> problems)
    {
        var manifest = _repo.Refs[ManifestRef]?.TargetIdentifier;
        if (manifest != _manifestId)
        {
            problems.Add(new(null, $"{ManifestRef} points to {manifest ?? "nothing"}, not the recorded manifest commit {_manifestId ?? "(none: the journal has no run record)"}"));
        }
        else if (manifest is not null && !Has(manifest))
        {
            problems.Add(new(null, $"the manifest commit {manifest} is missing from the object database"));
        }

        var best = _repo.Refs[BestRef]?.TargetIdentifier;
        var expected = _best ?? _manifestId;
        if (best != expected)
        {
            problems.Add(new(best, $"{BestRef} points to {best ?? "nothing"}, not the recorded best {expected}"));
        }

        foreach (var (notesRef, type) in new[] { (EvaluationNotesRef, "E"), (MarkNotesRef, "M") })
        {
            var tip = _repo.Refs[notesRef]?.ResolveToDirectReference()?.TargetIdentifier;
            var recorded = _notesTips.GetValueOrDefault(type);
            if (tip != recorded)
            {
                problems.Add(new(null, $"{notesRef} points to {tip ?? "nothing"}, not the last notes commit the archive wrote ({recorded ?? "none"}): notes were changed outside the archive"));
            }
            else if (tip is not null && !Has(tip))
            {
                problems.Add(new(null, $"the notes commit {tip} ({notesRef}) is missing from the object database"));
            }
        }
    }

    private bool Has(string id) => Has(new ObjectId(id));

    private bool Has(ObjectId id) => _repo.ObjectDatabase.Contains(id);

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

            if (!Has(treeId))
            {
                missing.Add($"its {(folder.Length == 0 ? "root tree" : "folder " + folder)} (tree {treeId.Sha}) is missing from the object database");
                return;
            }

            Tree tree;
            try
            {
                tree = _repo.Lookup<Tree>(treeId);
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
                    if (Has(id))
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
        Entry entry,
        HashSet<ObjectId> present,
        HashSet<string> damaged,
        Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>> filesCache,
        List<VerifyProblem> problems)
    {
        void Problem(string message) => problems.Add(new(entry.Id, message));

        if (!Has(entry.Id))
        {
            damaged.Add(entry.Id);
            Problem($"its commit {entry.Id} is missing from the object database");
            return;
        }

        try
        {
            var commit = _repo.Lookup<Commit>(entry.Id);
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
        Entry entry,
        Commit commit,
        HashSet<string> damaged,
        Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>> filesCache,
        Action<string> problem)
    {
        var parentIds = commit.Parents.Select(p => p.Sha).ToList();
        var expectedParent = entry.Parent ?? _manifestId;
        if (parentIds.Count != 1 || parentIds[0] != expectedParent)
        {
            problem($"its commit's parent is {string.Join(",", parentIds)}, expected {expectedParent}");
            return;
        }

        Provenance provenance;
        try
        {
            provenance = ParseProvenance(commit);
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

        var parentGeneration = entry.Parent is null ? -1 : _byId.TryGetValue(entry.Parent, out var p) ? p.Generation : -2;
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
        var parentReadable = entry.Parent is null || (!damaged.Contains(entry.Parent) && Has(entry.Parent));
        if (parentReadable)
        {
            var own = FilesOf(commit, filesCache);
            var parentFiles = entry.Parent is null ? [] : FilesOf(_repo.Lookup<Commit>(entry.Parent), filesCache);
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
        var recordedAny = _order.Where(e => (recordType == "E" ? e.Evaluations : e.Marks) > 0).ToList();
        var tip = _repo.Refs[notesRef]?.ResolveToDirectReference()?.TargetIdentifier;
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
            var notes = Has(tip) ? ReadNotes(_repo.Lookup<Commit>(tip), notesRef, problems) : [];
            foreach (var (id, blobId) in notes)
            {
                count++;
                seen.Add(id);
                if (!_byId.TryGetValue(id, out var entry))
                {
                    problems.Add(new(id, $"{notesRef} holds a note on {id}, which is not a variant of this run"));
                    continue;
                }

                if (!Has(blobId))
                {
                    problems.Add(new(id, $"its note in {notesRef} (blob {blobId.Sha}) is missing from the object database"));
                    continue;
                }

                VerifyNote(notesRef, recordType, id, entry, _repo.Lookup<Blob>(blobId), problems);
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

    private static void VerifyNote(string notesRef, string recordType, string id, Entry entry, Blob blob, List<VerifyProblem> problems)
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

    private string? LastNotesCommit(string recordType) => _notesTips.GetValueOrDefault(recordType);

    /// <summary>
    /// The notes of a notes commit (git's 2/38 fanout or flat), as variant id and blob id; a missing tree is named in
    /// <paramref name="problems"/> (when given) and its notes skipped. Blobs are not read.
    /// </summary>
    private List<(string Id, ObjectId Blob)> ReadNotes(Commit tip, string notesRef, List<VerifyProblem>? problems)
    {
        var notes = new List<(string, ObjectId)>();
        void Walk(ObjectId treeId, string prefix)
        {
            if (!Has(treeId))
            {
                problems?.Add(new(null, prefix.Length == 0
                    ? $"the tree {treeId.Sha} of {notesRef} is missing from the object database"
                    : $"the notes fanout tree {prefix}/ ({treeId.Sha}) of {notesRef} is missing from the object database: the notes of variants starting with {prefix} cannot be read"));
                return;
            }

            foreach (var entry in _repo.Lookup<Tree>(treeId))
            {
                if (entry.TargetType == TreeEntryTargetType.Tree && entry.Name.Length == 2)
                {
                    Walk(entry.Target.Id, prefix + entry.Name);
                }
                else if (entry.TargetType == TreeEntryTargetType.Blob && (prefix + entry.Name).Length == 40)
                {
                    notes.Add((prefix + entry.Name, entry.Target.Id));
                }
            }
        }

        Walk(tip.Tree.Id, "");
        return notes;
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

    private static List<ChangedFile> DiffFiles(Dictionary<string, (ObjectId Id, Mode Mode)> parent, Dictionary<string, (ObjectId Id, Mode Mode)> child)
    {
        var changes = new List<ChangedFile>();
        foreach (var (path, file) in child)
        {
            if (!parent.TryGetValue(path, out var old))
            {
                changes.Add(new(path, "added", FileKinds.Of(path)));
            }
            else if (old != file)
            {
                changes.Add(new(path, "modified", FileKinds.Of(path)));
            }
        }

        changes.AddRange(parent.Keys.Where(p => !child.ContainsKey(p)).Select(p => new ChangedFile(p, "deleted", FileKinds.Of(p))));
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    /// <summary>The id of the tree made of <paramref name="tree"/>'s entries without <c>.hyperagent</c>, hashed in memory.</summary>
    private static string AgentTreeId(Tree tree) =>
        HashTree(tree.Where(e => e.Name != AgentPaths.Reserved).Select(e => new TreeEntryData(e.Name, e.Mode, e.Target.Id)));

    /// <summary>The git id of a tree with these entries, computed without writing it.</summary>
    private static string HashTree(IEnumerable<TreeEntryData> entries)
    {
        var body = TreeBytes(entries);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha.AppendData(Encoding.ASCII.GetBytes($"tree {body.Length}\0"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The body of a git tree object with these entries, in git's order.</summary>
    private static byte[] TreeBytes(IEnumerable<TreeEntryData> entries)
    {
        using var body = new MemoryStream();
        foreach (var entry in entries.OrderBy(e => e.SortKey, StringComparer.Ordinal))
        {
            var mode = entry.Mode switch
            {
                Mode.Directory => "40000",
                Mode.NonExecutableFile => "100644",
                Mode.ExecutableFile => "100755",
                Mode.SymbolicLink => "120000",
                Mode.GitLink => "160000",
                _ => Convert.ToString((int)entry.Mode, 8),
            };
            body.Write(Encoding.UTF8.GetBytes($"{mode} {entry.Name}\0"));
            body.Write(entry.Id.RawId);
        }

        return body.ToArray();
    }

    /// <summary>One entry of a git tree; git sorts a folder as if its name ended in '/'.</summary>
    private readonly record struct TreeEntryData(string Name, Mode Mode, ObjectId Id)
    {
        // Ordinal string order equals git's byte order for UTF-8 names only below U+10000; fine for agent paths.
        public string SortKey => Mode == Mode.Directory ? Name + "/" : Name;
    }

    /// <summary>
    /// Reconciles the run after whatever happened since its last write (under the run lock): stale lock files removed,
    /// a torn journal tail cut, the last write dropped if it never reached its durable point or finished if its ref
    /// update was cut. Recovery never adds journal records: in the write order (objects, journal record, ref) nothing
    /// trustworthy can exist in git that the journal does not record. A journal without its run record while git holds
    /// variants is not rebuilt: the run is indexed from git in memory only, and fails verification until the journal
    /// is restored or rebuilt on purpose (<see cref="RebuildJournal"/>).
    /// </summary>
    private void Reconcile()
    {
        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            RemoveStaleFiles();
            Refresh();
            if (_journal.TornTail)
            {
                _journal.TruncateTornTail();
            }

            if (_journal.Damage is null && _manifestId is null)
            {
                // No run record: the journal is missing, empty or was cut to nothing.
                if (GitHoldsVariants() is { } held2)
                {
                    _journalLost = $"the journal (hyperagents/journal) is {(_journal.Exists ? "empty" : "missing")}, but git holds {held2}: " +
                        "a journal is never rebuilt from git data it should protect, so this run is shown from git alone and unverified";
                    foreach (var record in RecordsFromGit())
                    {
                        Apply(record);
                    }
                }
                else
                {
                    // Nothing was ever written after the manifest (or git holds nothing of it): a fresh journal loses nothing.
                    _journal.Rewrite([new JournalRecord { Type = "R", Id = _repo.Refs[ManifestRef]!.TargetIdentifier }], _options.Durability != Durability.None);
                    ResetIndex();
                    Refresh();
                }
            }
            else if (_journal.Damage is null)
            {
                if (!LastWriteAcknowledged() && !LastWriteComplete())
                {
                    // A power loss cut the write before its flush finished: it was never acknowledged, so it goes.
                    _journal.DropLastRecord();
                    ResetIndex();
                    Refresh();
                }

                RepairLastWrite();
            }

            _integrity = QuickCheck();
        }
    }

    /// <summary>
    /// Replaces the run's journal with one derived from git as it is now: variant refs and their ancestry, provenance,
    /// notes, best. Use it only when git is trusted as it stands (a <c>git clone --mirror</c> you made, or after
    /// checking the history): it makes whatever git holds the acknowledged record. The previous journal, if any, is
    /// kept beside it as <c>journal.replaced-&lt;UTC time&gt;</c>.
    /// </summary>
    /// <returns>The kept copy of the previous journal, or <see langword="null"/> when there was none.</returns>
    public string? RebuildJournal()
    {
        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RemoveStaleFiles();
            var records = RecordsFromGit();
            var path = System.IO.Path.Combine(_repo.Info.Path, "hyperagents", "journal");
            string? kept = null;
            if (File.Exists(path))
            {
                kept = $"{path}.replaced-{_options.Clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}";
                File.Copy(path, kept, overwrite: true);
            }

            _journal.Rewrite(records, _options.Durability != Durability.None);
            ResetIndex();
            _journalLost = null;
            foreach (var record in records)
            {
                Apply(record);
            }

            _integrity = QuickCheck();
            return kept;
        }
    }

    private void ResetIndex()
    {
        _byId.Clear();
        _order.Clear();
        _notesTips.Clear();
        _best = null;
        _bestBefore = null;
        _manifestId = null;
        _last = null;
    }

    /// <summary>What git holds beyond the manifest (variant refs, notes, a moved best), or <see langword="null"/>.</summary>
    private string? GitHoldsVariants()
    {
        var parts = new List<string>();
        var variants = _repo.Refs.FromGlob(VariantRefPrefix + "*").Count();
        if (variants > 0)
        {
            parts.Add($"{variants} variant ref(s)");
        }

        foreach (var notesRef in new[] { EvaluationNotesRef, MarkNotesRef })
        {
            if (_repo.Refs[notesRef] is not null)
            {
                parts.Add(notesRef);
            }
        }

        if (_repo.Refs[BestRef]?.TargetIdentifier is { } best && best != _repo.Refs[ManifestRef]?.TargetIdentifier)
        {
            parts.Add($"{BestRef} at {best}");
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>
    /// Whether the last record's ref update happened. Refs are updated only after the write's durable point, so an
    /// acknowledged write whose objects are now missing was damaged afterwards: it is kept, and verify names it.
    /// </summary>
    private bool LastWriteAcknowledged() => _last switch
    {
        { Type: "V" } v => (_repo.Refs[VariantRefPrefix + v.Id[..12]] ?? _repo.Refs[VariantRefPrefix + v.Id])?.TargetIdentifier == v.Id,
        { Type: "E" } e => _repo.Refs[EvaluationNotesRef]?.TargetIdentifier == e.NotesCommit,
        { Type: "M" } m => _repo.Refs[MarkNotesRef]?.TargetIdentifier == m.NotesCommit,
        _ => true,
    };

    /// <summary>Whether every object the last journal record depends on is present and readable.</summary>
    /// <remarks>Unreadable loose objects of that write (empty files after a power loss) are deleted so fsck stays clean.</remarks>
    private bool LastWriteComplete()
    {
        var id = _last switch
        {
            { Type: "V" } v => v.Id,
            { Type: "E" or "M", NotesCommit: { } c } => c,
            _ => null,
        };
        if (id is null)
        {
            return true;
        }

        var complete = true;
        void Check(ObjectId oid, Action<GitObject> then)
        {
            try
            {
                var obj = _repo.Lookup(oid);
                if (obj is null)
                {
                    complete = false;
                    return;
                }

                then(obj);
            }
            catch (LibGit2SharpException)
            {
                complete = false;
                var hex = oid.Sha;
                File.Delete(System.IO.Path.Combine(_repo.Info.Path, "objects", hex[..2], hex[2..]));
            }
        }

        void CheckTree(GitObject obj)
        {
            foreach (var entry in (Tree)obj)
            {
                if (entry.TargetType == TreeEntryTargetType.Tree)
                {
                    Check(entry.Target.Id, CheckTree);
                }
                else if (entry.TargetType == TreeEntryTargetType.Blob)
                {
                    Check(entry.Target.Id, b => _ = ((Blob)b).Size);
                }
            }
        }

        Check(new ObjectId(id), c =>
        {
            var commit = (Commit)c;
            if (_last!.Type == "V")
            {
                Check(commit.Tree.Id, CheckTree);
            }
            else
            {
                // A notes commit: only the path to this variant's note is new; the rest was flushed before.
                var fanout = commit.Tree[_last.Id[..2]];
                if (fanout is null)
                {
                    complete = false;
                    return;
                }

                Check(fanout.Target.Id, sub =>
                {
                    var note = ((Tree)sub)[_last.Id[2..]];
                    if (note is null)
                    {
                        complete = false;
                    }
                    else
                    {
                        Check(note.Target.Id, b => _ = ((Blob)b).GetContentText());
                    }
                });
            }
        });
        return complete;
    }

    private void RemoveStaleFiles()
    {
        // Only called under the run's write lock, so every lock file found belongs to a writer that died.
        var gitDir = _repo.Info.Path;
        var refs = System.IO.Path.Combine(gitDir, "refs");
        if (Directory.Exists(refs))
        {
            foreach (var file in Directory.EnumerateFiles(refs, "*.lock", SearchOption.AllDirectories))
            {
                File.Delete(file);
            }
        }

        foreach (var file in Directory.EnumerateFiles(gitDir, "*.lock"))
        {
            File.Delete(file);
        }

        var objects = System.IO.Path.Combine(gitDir, "objects");
        foreach (var file in Directory.EnumerateFiles(objects, "tmp_*"))
        {
            File.Delete(file);
        }

        File.Delete(System.IO.Path.Combine(gitDir, "hyperagents", "journal.rebuild"));
    }

    private void RepairLastWrite()
    {
        if (_last is not { } last)
        {
            return;
        }

        switch (last.Type)
        {
            case "V":
                if (_repo.Refs[VariantRefPrefix + last.Id[..12]] is null && _repo.Refs[VariantRefPrefix + last.Id] is null
                    && _repo.ObjectDatabase.Contains(new ObjectId(last.Id)))
                {
                    EnsureVariantRef(last.Id);
                }

                break;
            case "E" or "M":
                var notesRef = last.Type == "E" ? EvaluationNotesRef : MarkNotesRef;
                var tip = _repo.Refs[notesRef]?.TargetIdentifier;
                if (tip != last.NotesCommit && _repo.Lookup<Commit>(last.NotesCommit!) is { } commit
                    && (tip is null ? !commit.Parents.Any() : commit.Parents.Any(p => p.Sha == tip)))
                {
                    UpdateRef(notesRef, commit.Id);
                }

                break;
            case "B":
                // Only the ref update of this write can be missing: best still where the previous record left it.
                if (_repo.Refs[BestRef]?.TargetIdentifier is var best && best != last.Id && best == (_bestBefore ?? _manifestId))
                {
                    UpdateRef(BestRef, new ObjectId(last.Id));
                }

                break;
            case "R":
                if (_repo.Refs[BestRef] is null)
                {
                    UpdateRef(BestRef, new ObjectId(last.Id));
                }

                break;
        }
    }

    /// <summary>Points a ref at an id, clearing a lock file left by a writer that died (we hold the run lock).</summary>
    private void UpdateRef(string name, ObjectId id)
    {
        try
        {
            _repo.Refs.Add(name, id, allowOverwrite: true);
        }
        catch (LockedFileException)
        {
            File.Delete(System.IO.Path.Combine(_repo.Info.Path, name + ".lock"));
            _repo.Refs.Add(name, id, allowOverwrite: true);
        }
    }

    /// <summary>
    /// The journal records git alone implies: variant refs and their ancestry, provenance, notes, best. Commits or notes
    /// that cannot be read are left out (verify then names their refs). Nothing is written.
    /// </summary>
    private List<JournalRecord> RecordsFromGit()
    {
        var manifest = _repo.Refs[ManifestRef]!.TargetIdentifier;
        var records = new List<JournalRecord> { new() { Type = "R", Id = manifest } };
        var variants = new Dictionary<string, Provenance>(StringComparer.Ordinal);
        var pending = new Stack<ObjectId>(_repo.Refs.FromGlob(VariantRefPrefix + "*")
            .Select(r => r.ResolveToDirectReference()?.TargetIdentifier).OfType<string>().Select(id => new ObjectId(id)));
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (id.Sha == manifest || variants.ContainsKey(id.Sha) || !Has(id))
            {
                continue;
            }

            try
            {
                if (_repo.Lookup(id) is not Commit commit || commit.Tree[ProvenancePath] is null)
                {
                    continue;
                }

                variants[commit.Sha] = ParseProvenance(commit);
                foreach (var parent in commit.Parents)
                {
                    pending.Push(parent.Id);
                }
            }
            catch (Exception e) when (e is LibGit2SharpException or JsonException or ArchiveException)
            {
                // Unreadable: left out.
            }
        }

        records.AddRange(variants
            .OrderBy(v => v.Value.Sequence).ThenBy(v => v.Key, StringComparer.Ordinal)
            .Select(v => new JournalRecord
            {
                Type = "V",
                Id = v.Key,
                Parent = v.Value.Parent,
                Generation = v.Value.Generation,
                Sequence = v.Value.Sequence,
                State = v.Value.Status.State,
                Reason = v.Value.Status.Reason,
            }));
        foreach (var (notesRef, type) in new[] { (EvaluationNotesRef, "E"), (MarkNotesRef, "M") })
        {
            if (_repo.Refs[notesRef]?.ResolveToDirectReference()?.TargetIdentifier is not { } tipId || !Has(tipId))
            {
                continue;
            }

            try
            {
                var tip = _repo.Lookup<Commit>(tipId);
                foreach (var (id, blobId) in ReadNotes(tip, notesRef, null).Where(n => variants.ContainsKey(n.Id) && Has(n.Blob)).OrderBy(n => variants[n.Id].Sequence))
                {
                    var text = _repo.Lookup<Blob>(blobId).GetContentText(Encoding.UTF8);
                    if (type == "E")
                    {
                        records.AddRange(ArchiveJson.EvaluationNote(text).Evaluations.Select(e =>
                            new JournalRecord { Type = "E", Id = id, NotesCommit = tip.Sha, Scores = ScoresOf(e) }));
                    }
                    else
                    {
                        records.AddRange(ArchiveJson.MarkNote(text).Marks.Select(m =>
                            new JournalRecord { Type = "M", Id = id, NotesCommit = tip.Sha, Reason = m.Reason }));
                    }
                }
            }
            catch (Exception e) when (e is LibGit2SharpException or JsonException)
            {
                // Unreadable notes: left out; verify names the notes ref.
            }
        }

        var best = _repo.Refs[BestRef]?.TargetIdentifier;
        if (best is not null && variants.ContainsKey(best))
        {
            records.Add(new JournalRecord { Type = "B", Id = best });
        }

        return records;
    }
}
