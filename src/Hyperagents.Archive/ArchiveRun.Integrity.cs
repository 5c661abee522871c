using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LibGit2Sharp;

namespace Hyperagents.Archive;

public sealed partial class ArchiveRun
{
    /// <summary>
    /// Checks every variant against git alone: provenance against tree and parent (agent-tree hash, generation, changed
    /// files and their kinds, transcript blob), refs against the journal, notes against their variants and the journal.
    /// </summary>
    /// <param name="trustedSigningKey">
    /// A public key (OpenSSH form) kept outside the run; when given, the run must be signed with exactly this key, so a
    /// forger cannot re-sign a rewritten run with a key of their own.
    /// </param>
    /// <returns>The report; <see cref="VerifyReport.Ok"/> when nothing is wrong. Each problem names its variant.</returns>
    public VerifyReport Verify(string? trustedSigningKey = null)
    {
        lock (_gate)
        {
            Refresh();
            var problems = new List<VerifyProblem>();
            if (_journal.TornTail)
            {
                problems.Add(new(null, "the journal has a torn tail; reopen the run to reconcile it"));
            }

            CheckRunRefs(problems);
            var refTargets = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var reference in _repo.Refs.FromGlob(VariantRefPrefix + "*"))
            {
                var name = reference.CanonicalName[VariantRefPrefix.Length..];
                var target = reference.TargetIdentifier;
                refTargets[name] = target;
                if (!_byId.ContainsKey(target))
                {
                    var named = _order.FirstOrDefault(e => e.Id.StartsWith(name, StringComparison.Ordinal));
                    problems.Add(new(named?.Id ?? target, $"ref variants/{name} points to {target}, a commit the archive never recorded (rewritten or added outside the archive)"));
                }
                else if (!target.StartsWith(name, StringComparison.Ordinal))
                {
                    problems.Add(new(target, $"ref variants/{name} points to {target}, which its name does not match"));
                }
            }

            var filesCache = new Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>>(StringComparer.Ordinal);
            foreach (var entry in _order)
            {
                VerifyVariant(entry, refTargets, filesCache, problems);
                if (filesCache.Count > 4096)
                {
                    filesCache.Clear();
                }
            }

            var notes = VerifyNotes(EvaluationNotesRef, "E", problems) + VerifyNotes(MarkNotesRef, "M", problems);
            if (trustedSigningKey is not null && trustedSigningKey.Trim() != SigningKey)
            {
                problems.Add(new(null, $"the run is signed with {SigningKey ?? "no key"}, not the trusted key"));
            }

            VerifySignatures(problems);
            return new VerifyReport(_order.Count, notes, _journal.Head, problems);
        }
    }

    private void VerifySignatures(List<VerifyProblem> problems)
    {
        if (SigningKey is not { } key)
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

        if (_manifestId is not null && !Signed(_manifestId))
        {
            problems.Add(new(null, "the manifest commit is not signed with the run's key"));
        }

        foreach (var entry in _order.Where(e => _repo.ObjectDatabase.Contains(new ObjectId(e.Id)) && !Signed(e.Id)))
        {
            problems.Add(new(entry.Id, "its commit is not signed with the run's key"));
        }

        foreach (var reference in _repo.Refs.FromGlob(VariantRefPrefix + "*").Where(r => !_byId.ContainsKey(r.TargetIdentifier) && !Signed(r.TargetIdentifier)))
        {
            problems.Add(new(reference.TargetIdentifier, $"ref {reference.CanonicalName} points to a commit not signed with the run's key"));
        }

        foreach (var notesRef in new[] { EvaluationNotesRef, MarkNotesRef })
        {
            if (_repo.Refs[notesRef]?.TargetIdentifier is { } tip && !Signed(tip))
            {
                problems.Add(new(null, $"{notesRef} points to a commit not signed with the run's key"));
            }
        }
    }

    private void CheckRunRefs(List<VerifyProblem> problems)
    {
        var manifest = _repo.Refs[ManifestRef]?.TargetIdentifier;
        if (manifest != _manifestId)
        {
            problems.Add(new(null, $"{ManifestRef} points to {manifest ?? "nothing"}, not the recorded manifest commit {_manifestId}"));
        }

        var best = _repo.Refs[BestRef]?.TargetIdentifier;
        var expected = _best ?? _manifestId;
        if (best != expected)
        {
            problems.Add(new(best, $"{BestRef} points to {best ?? "nothing"}, not the recorded best {expected}"));
        }
    }

    private void VerifyVariant(
        Entry entry,
        Dictionary<string, string> refTargets,
        Dictionary<string, Dictionary<string, (ObjectId Id, Mode Mode)>> filesCache,
        List<VerifyProblem> problems)
    {
        void Problem(string message) => problems.Add(new(entry.Id, message));

        var shortName = entry.Id[..12];
        if (refTargets.GetValueOrDefault(shortName) != entry.Id && refTargets.GetValueOrDefault(entry.Id) != entry.Id)
        {
            Problem(refTargets.TryGetValue(shortName, out var other)
                ? $"its ref variants/{shortName} points to {other} instead"
                : $"its ref variants/{shortName} is missing");
        }

        var commit = _repo.Lookup<Commit>(entry.Id);
        if (commit is null)
        {
            Problem("its commit is missing from the object database");
            return;
        }

        var parents = commit.Parents.ToList();
        var expectedParent = entry.Parent ?? _manifestId;
        if (parents.Count != 1 || parents[0].Sha != expectedParent)
        {
            Problem($"its commit's parent is {string.Join(",", parents.Select(p => p.Sha))}, expected {expectedParent}");
            return;
        }

        Provenance provenance;
        try
        {
            provenance = ParseProvenance(commit);
        }
        catch (Exception e) when (e is JsonException or ArchiveException)
        {
            Problem($"its provenance cannot be read: {e.Message}");
            return;
        }

        if (provenance.Schema != Provenance.CurrentSchema)
        {
            Problem($"its provenance has schema '{provenance.Schema}', expected '{Provenance.CurrentSchema}'");
        }

        if (provenance.Parent != entry.Parent)
        {
            Problem($"its provenance names parent {provenance.Parent ?? "none"}, but its commit's parent is {entry.Parent ?? "the manifest"}");
        }

        var parentGeneration = entry.Parent is null ? -1 : _byId.TryGetValue(entry.Parent, out var p) ? p.Generation : -2;
        if (provenance.Generation != parentGeneration + 1 || provenance.Generation != entry.Generation)
        {
            Problem($"its provenance says generation {provenance.Generation}, expected {parentGeneration + 1}");
        }

        if (provenance.Sequence != entry.Sequence)
        {
            Problem($"its provenance says sequence {provenance.Sequence}, the journal {entry.Sequence}");
        }

        if (provenance.Status != entry.Status)
        {
            Problem($"its provenance says status '{provenance.Status}', the journal '{entry.Status}'");
        }

        var agentTree = AgentTreeId(commit.Tree);
        if (provenance.AgentTree != agentTree)
        {
            Problem($"its provenance records agent tree {provenance.AgentTree}, but its files hash to {agentTree}");
        }

        var own = FilesOf(commit, filesCache);
        var parentFiles = entry.Parent is null ? [] : FilesOf(parents[0], filesCache);
        var changes = DiffFiles(parentFiles, own);
        var recorded = provenance.Changes.Select(c => $"{c.Change} {c.Kind} {c.Path}");
        var actual = changes.Select(c => $"{c.Change} {c.Kind} {c.Path}");
        if (!recorded.SequenceEqual(actual))
        {
            Problem($"its provenance lists changes [{string.Join(", ", recorded)}], but its tree differs from its parent's by [{string.Join(", ", actual)}]");
        }

        var transcriptEntry = commit.Tree[TranscriptPath];
        if (provenance.Transcript is { } transcript)
        {
            if (transcriptEntry is null || transcriptEntry.Target.Sha != transcript.Blob || transcript.Path != TranscriptPath)
            {
                Problem($"its transcript is not the recorded blob {transcript.Blob}");
            }
            else if (CountLines(((Blob)transcriptEntry.Target).GetContentText(Encoding.UTF8)) != transcript.Lines)
            {
                Problem($"its transcript does not have the recorded {transcript.Lines} lines");
            }
        }
        else if (transcriptEntry is not null)
        {
            Problem("it holds a transcript its provenance does not record");
        }

        var extra = commit.Tree[AgentPaths.Reserved] is { Target: Tree reserved }
            ? reserved.Select(e => e.Name).Where(n => n is not "provenance.json" and not "transcript.jsonl").ToList()
            : [];
        if (extra.Count > 0)
        {
            Problem($"its {AgentPaths.Reserved}/ holds unexpected files: {string.Join(", ", extra)}");
        }
    }

    private int VerifyNotes(string notesRef, string recordType, List<VerifyProblem> problems)
    {
        var tip = _repo.Refs[notesRef]?.ResolveToDirectReference()?.Target as Commit;
        var lastRecorded = LastNotesCommit(recordType);
        if (tip?.Sha != lastRecorded)
        {
            problems.Add(new(null, $"{notesRef} points to {tip?.Sha ?? "nothing"}, not the last notes commit the archive wrote ({lastRecorded ?? "none"}): notes were changed outside the archive"));
        }

        if (tip is null)
        {
            foreach (var e in _order.Where(e => (recordType == "E" ? e.Evaluations : e.Marks) > 0))
            {
                problems.Add(new(e.Id, $"its {(recordType == "E" ? "evaluations" : "marks")} are recorded but {notesRef} is missing"));
            }

            return 0;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        foreach (var (id, blob) in EnumerateNotes(tip.Tree))
        {
            count++;
            seen.Add(id);
            if (!_byId.TryGetValue(id, out var entry))
            {
                problems.Add(new(id, $"{notesRef} holds a note on {id}, which is not a variant of this run"));
                continue;
            }

            try
            {
                var text = blob.GetContentText(Encoding.UTF8);
                if (recordType == "E")
                {
                    var note = ArchiveJson.Deserialize<EvaluationNote>(text);
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
                    else if (FormatScores(ScoresOf(note.Evaluations[^1])) != FormatScores(entry.Scores))
                    {
                        problems.Add(new(id, $"its latest evaluation scores {FormatScores(ScoresOf(note.Evaluations[^1]))}, the journal {FormatScores(entry.Scores)}"));
                    }
                }
                else
                {
                    var note = ArchiveJson.Deserialize<MarkNote>(text);
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

        foreach (var e in _order.Where(e => (recordType == "E" ? e.Evaluations : e.Marks) > 0 && !seen.Contains(e.Id)))
        {
            problems.Add(new(e.Id, $"its note in {notesRef} is missing"));
        }

        return count;
    }

    private string? LastNotesCommit(string recordType) => _notesTips.GetValueOrDefault(recordType);

    private readonly Dictionary<string, string> _notesTips = new(StringComparer.Ordinal);

    private static IEnumerable<(string Id, Blob Blob)> EnumerateNotes(Tree tree, string prefix = "")
    {
        foreach (var entry in tree)
        {
            if (entry.TargetType == TreeEntryTargetType.Tree && entry.Name.Length == 2)
            {
                foreach (var note in EnumerateNotes((Tree)entry.Target, prefix + entry.Name))
                {
                    yield return note;
                }
            }
            else if (entry.Target is Blob blob && (prefix + entry.Name).Length == 40)
            {
                yield return (prefix + entry.Name, blob);
            }
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

    private void Reconcile()
    {
        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            RemoveStaleFiles();
            if (!_journal.Exists)
            {
                RebuildJournal();
                return;
            }

            Refresh();
            if (_journal.TornTail)
            {
                _journal.TruncateTornTail();
            }

            if (_manifestId is null)
            {
                RebuildJournal();
                return;
            }

            if (!LastWriteComplete())
            {
                // A power loss cut the write before its flush finished: it was never acknowledged, so it goes.
                _journal.DropLastRecord();
                ResetIndex();
                Refresh();
            }

            RepairLastWrite();
        }
    }

    private void ResetIndex()
    {
        _byId.Clear();
        _order.Clear();
        _notesTips.Clear();
        _best = null;
        _manifestId = null;
        _last = null;
    }

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
                if (_repo.Refs[BestRef]?.TargetIdentifier != last.Id)
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

    /// <summary>Rebuilds the journal from git alone: variant refs and their ancestry, provenance, notes, best.</summary>
    private void RebuildJournal()
    {
        var manifest = _repo.Refs[ManifestRef]!.TargetIdentifier;
        var records = new List<JournalRecord> { new() { Type = "R", Id = manifest } };
        var variants = new Dictionary<string, Provenance>(StringComparer.Ordinal);
        var pending = new Stack<Commit>(_repo.Refs.FromGlob(VariantRefPrefix + "*").Select(r => r.ResolveToDirectReference().Target).OfType<Commit>());
        while (pending.Count > 0)
        {
            var commit = pending.Pop();
            if (commit.Sha == manifest || variants.ContainsKey(commit.Sha) || commit.Tree[ProvenancePath] is null)
            {
                continue;
            }

            variants[commit.Sha] = ParseProvenance(commit);
            foreach (var parent in commit.Parents)
            {
                pending.Push(parent);
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
            if (_repo.Refs[notesRef]?.ResolveToDirectReference()?.Target is not Commit tip)
            {
                continue;
            }

            foreach (var (id, blob) in EnumerateNotes(tip.Tree).Where(n => variants.ContainsKey(n.Id)).OrderBy(n => variants[n.Id].Sequence))
            {
                var text = blob.GetContentText(Encoding.UTF8);
                if (type == "E")
                {
                    records.AddRange(ArchiveJson.Deserialize<EvaluationNote>(text).Evaluations.Select(e =>
                        new JournalRecord { Type = "E", Id = id, NotesCommit = tip.Sha, Scores = ScoresOf(e) }));
                }
                else
                {
                    records.AddRange(ArchiveJson.Deserialize<MarkNote>(text).Marks.Select(m =>
                        new JournalRecord { Type = "M", Id = id, NotesCommit = tip.Sha, Reason = m.Reason }));
                }
            }
        }

        var best = _repo.Refs[BestRef]?.TargetIdentifier;
        if (best is not null && variants.ContainsKey(best))
        {
            records.Add(new JournalRecord { Type = "B", Id = best });
        }

        _journal.Rewrite(records, _options.Durability != Durability.None);
        ResetIndex();
        foreach (var record in records)
        {
            Apply(record);
        }
    }
}
