using System.Text;
using System.Text.Json;
using LibGit2Sharp;
using static Hyperagents.Archive.ArchiveRun;

namespace Hyperagents.Archive;

/// <summary>
/// Brings a run back to a consistent state after a crash or a lost journal: stale files removed, the one write that may
/// have been cut finished or dropped, and (on purpose only) the journal rebuilt from git.
/// </summary>
internal sealed class RunRecovery(RunState run, RunVerifier verifier)
{
    private readonly RunState _run = run;

    /// <summary>
    /// Reconciles the run after whatever happened since its last write (under the run lock): stale lock files removed,
    /// a torn journal tail cut, the last write dropped if it never reached its durable point or finished if its ref
    /// update was cut. Recovery never adds journal records: in the write order (objects, journal record, ref) nothing
    /// trustworthy can exist in git that the journal does not record. A journal without its run record while git holds
    /// variants is not rebuilt: the run is indexed from git in memory only, and fails verification until the journal
    /// is restored or rebuilt on purpose (<see cref="RebuildJournal"/>).
    /// </summary>
    public void Reconcile()
    {
        using var held = _run.HoldLock();
        lock (_run.Gate)
        {
            RemoveStaleFiles();
            _run.Refresh();
            if (_run.Journal.TornTail)
            {
                _run.Journal.TruncateTornTail();
            }

            if (_run.Journal.Damage is null && _run.ManifestId is null)
            {
                // No run record: the journal is missing, empty or was cut to nothing.
                if (GitHoldsVariants() is { } held2)
                {
                    _run.JournalLost = $"the journal (hyperagents/journal) is {(_run.Journal.Exists ? "empty" : "missing")}, but git holds {held2}: " +
                        "a journal is never rebuilt from git data it should protect, so this run is shown from git alone and unverified";
                    foreach (var record in RecordsFromGit())
                    {
                        _run.Apply(record);
                    }
                }
                else
                {
                    // Nothing was ever written after the manifest (or git holds nothing of it): a fresh journal loses nothing.
                    _run.Journal.Rewrite([new JournalRecord { Type = "R", Id = _run.Repo.Refs[ManifestRef]!.TargetIdentifier }], _run.Options.Durability != Durability.None);
                    _run.ResetIndex();
                    _run.Refresh();
                }
            }
            else if (_run.Journal.Damage is null)
            {
                if (!LastWriteAcknowledged() && !LastWriteComplete())
                {
                    // A power loss cut the write before its flush finished: it was never acknowledged, so it goes.
                    _run.Journal.DropLastRecord();
                    _run.ResetIndex();
                    _run.Refresh();
                }

                RepairLastWrite();
            }

            _run.Integrity = verifier.QuickCheck();
        }
    }

    public string? RebuildJournal()
    {
        using var held = _run.HoldLock();
        lock (_run.Gate)
        {
            ObjectDisposedException.ThrowIf(_run.Disposed, typeof(ArchiveRun));
            RemoveStaleFiles();
            var records = RecordsFromGit();
            var path = System.IO.Path.Combine(_run.Repo.Info.Path, "hyperagents", "journal");
            string? kept = null;
            if (File.Exists(path))
            {
                kept = $"{path}.replaced-{_run.Options.Clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}";
                File.Copy(path, kept, overwrite: true);
            }

            _run.Journal.Rewrite(records, _run.Options.Durability != Durability.None);
            _run.ResetIndex();
            _run.JournalLost = null;
            foreach (var record in records)
            {
                _run.Apply(record);
            }

            _run.Integrity = verifier.QuickCheck();
            return kept;
        }
    }

    /// <summary>What git holds beyond the manifest (variant refs, notes, a moved best), or <see langword="null"/>.</summary>
    private string? GitHoldsVariants()
    {
        var parts = new List<string>();
        var variants = _run.Repo.Refs.FromGlob(VariantRefPrefix + "*").Count();
        if (variants > 0)
        {
            parts.Add($"{variants} variant ref(s)");
        }

        foreach (var notesRef in new[] { EvaluationNotesRef, MarkNotesRef })
        {
            if (_run.Repo.Refs[notesRef] is not null)
            {
                parts.Add(notesRef);
            }
        }

        if (_run.Repo.Refs[BestRef]?.TargetIdentifier is { } best && best != _run.Repo.Refs[ManifestRef]?.TargetIdentifier)
        {
            parts.Add($"{BestRef} at {best}");
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    /// <summary>
    /// Whether the last record's ref update happened. Refs are updated only after the write's durable point, so an
    /// acknowledged write whose objects are now missing was damaged afterwards: it is kept, and verify names it.
    /// </summary>
    private bool LastWriteAcknowledged() => _run.Last switch
    {
        { Type: "V" } v => (_run.Repo.Refs[VariantRefPrefix + v.Id[..12]] ?? _run.Repo.Refs[VariantRefPrefix + v.Id])?.TargetIdentifier == v.Id,
        { Type: "E" } e => _run.Repo.Refs[EvaluationNotesRef]?.TargetIdentifier == e.NotesCommit,
        { Type: "M" } m => _run.Repo.Refs[MarkNotesRef]?.TargetIdentifier == m.NotesCommit,
        _ => true,
    };

    /// <summary>Whether every object the last journal record depends on is present and readable.</summary>
    /// <remarks>Unreadable loose objects of that write (empty files after a power loss) are deleted so fsck stays clean.</remarks>
    private bool LastWriteComplete()
    {
        var id = _run.Last switch
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
                var obj = _run.Repo.Lookup(oid);
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
                File.Delete(System.IO.Path.Combine(_run.Repo.Info.Path, "objects", hex[..2], hex[2..]));
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
            if (_run.Last!.Type == "V")
            {
                Check(commit.Tree.Id, CheckTree);
            }
            else
            {
                // A notes commit: only the path to this variant's note is new; the rest was flushed before.
                var fanout = commit.Tree[_run.Last.Id[..2]];
                if (fanout is null)
                {
                    complete = false;
                    return;
                }

                Check(fanout.Target.Id, sub =>
                {
                    var note = ((Tree)sub)[_run.Last.Id[2..]];
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
        var gitDir = _run.Repo.Info.Path;
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

    public void RepairLastWrite()
    {
        if (_run.Last is not { } last)
        {
            return;
        }

        switch (last.Type)
        {
            case "V":
                if (_run.Repo.Refs[VariantRefPrefix + last.Id[..12]] is null && _run.Repo.Refs[VariantRefPrefix + last.Id] is null
                    && _run.Repo.ObjectDatabase.Contains(new ObjectId(last.Id)))
                {
                    _run.EnsureVariantRef(last.Id);
                }

                break;
            case "E" or "M":
                var notesRef = last.Type == "E" ? EvaluationNotesRef : MarkNotesRef;
                var tip = _run.Repo.Refs[notesRef]?.TargetIdentifier;
                if (tip != last.NotesCommit && _run.Repo.Lookup<Commit>(last.NotesCommit!) is { } commit
                    && (tip is null ? !commit.Parents.Any() : commit.Parents.Any(p => p.Sha == tip)))
                {
                    _run.UpdateRef(notesRef, commit.Id);
                }

                break;
            case "B":
                // Only the ref update of this write can be missing: best still where the previous record left it.
                if (_run.Repo.Refs[BestRef]?.TargetIdentifier is var best && best != last.Id && best == (_run.BestBefore ?? _run.ManifestId))
                {
                    _run.UpdateRef(BestRef, new ObjectId(last.Id));
                }

                break;
            case "R":
                if (_run.Repo.Refs[BestRef] is null)
                {
                    _run.UpdateRef(BestRef, new ObjectId(last.Id));
                }

                break;
        }
    }

    /// <summary>
    /// The journal records git alone implies: variant refs and their ancestry, provenance, notes, best. Commits or notes
    /// that cannot be read are left out (verify then names their refs). Nothing is written.
    /// </summary>
    private List<JournalRecord> RecordsFromGit()
    {
        var manifest = _run.Repo.Refs[ManifestRef]!.TargetIdentifier;
        var records = new List<JournalRecord> { new() { Type = "R", Id = manifest } };
        var variants = new Dictionary<string, Provenance>(StringComparer.Ordinal);
        var pending = new Stack<ObjectId>(_run.Repo.Refs.FromGlob(VariantRefPrefix + "*")
            .Select(r => r.ResolveToDirectReference()?.TargetIdentifier).OfType<string>().Select(id => new ObjectId(id)));
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            if (id.Sha == manifest || variants.ContainsKey(id.Sha) || !_run.Has(id))
            {
                continue;
            }

            try
            {
                if (_run.Repo.Lookup(id) is not Commit commit || commit.Tree[GitObjects.ProvenancePath] is null)
                {
                    continue;
                }

                variants[commit.Sha] = _run.ParseProvenance(commit);
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
            if (_run.Repo.Refs[notesRef]?.ResolveToDirectReference()?.TargetIdentifier is not { } tipId || !_run.Has(tipId))
            {
                continue;
            }

            try
            {
                var tip = _run.Repo.Lookup<Commit>(tipId);
                foreach (var (id, blobId) in _run.ReadNotes(tip, notesRef, null).Where(n => variants.ContainsKey(n.Id) && _run.Has(n.Blob)).OrderBy(n => variants[n.Id].Sequence))
                {
                    var text = _run.Repo.Lookup<Blob>(blobId).GetContentText(Encoding.UTF8);
                    if (type == "E")
                    {
                        records.AddRange(ArchiveJson.EvaluationNote(text).Evaluations.Select(e =>
                            new JournalRecord { Type = "E", Id = id, NotesCommit = tip.Sha, Scores = GitObjects.ScoresOf(e) }));
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

        var best = _run.Repo.Refs[BestRef]?.TargetIdentifier;
        if (best is not null && variants.ContainsKey(best))
        {
            records.Add(new JournalRecord { Type = "B", Id = best });
        }

        return records;
    }
}
