using System.Text;
using LibGit2Sharp;
using static Hyperagents.Archive.ArchiveRun;
using static Hyperagents.Archive.GitObjects;

namespace Hyperagents.Archive;

/// <summary>
/// The write side of a run: creating it, adding variants, attaching notes, moving best. Every write holds the run lock,
/// reconciles what another writer left, refuses an untrustworthy run, then writes objects, journal record, ref.
/// </summary>
internal sealed class RunWriter(RunState run, RunVerifier verifier, RunRecovery recovery)
{
    private readonly RunState _run = run;

    /// <summary>Creates a run's repository at <paramref name="path"/> (see <see cref="ArchiveRun.Create"/>).</summary>
    /// <returns>The run's full path, to open.</returns>
    public static string Create(string path, RunManifest manifest, ArchiveOptions options, IReadOnlyDictionary<string, byte[]>? domainPackage = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new ArchiveException($"'{path}' already exists and is not empty; choose another run name or remove it.");
        }

        if (File.Exists(path))
        {
            throw new ArchiveException($"'{path}' is a file; choose another run name.");
        }

        var fsync = options.Durability != Durability.None;
        if (options.Signer is { } signer)
        {
            manifest = manifest with { SigningKey = signer.PublicKey };
        }

        GitNative.SetFsync(fsync);
        var parent = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(parent);

        // Built beside its final place and renamed in, so a crash never leaves a half-made run under the run's name.
        var temp = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(path)}.creating-{Guid.NewGuid():N}");
        Repository.Init(temp, isBare: true);
        string manifestId;
        using (var repo = new Repository(temp))
        {
            repo.Config.Set("core.fsync", "objects,reference");
            repo.Config.Set("core.logAllRefUpdates", false);
            var blob = repo.ObjectDatabase.Write<Blob>(ArchiveJson.Serialize(manifest));
            var td = new TreeDefinition();
            td.Add(ManifestPath, blob, Mode.NonExecutableFile);
            RunDomainPackage.Add(repo, td, manifest, domainPackage);
            var tree = repo.ObjectDatabase.CreateTree(td);
            var sig = new Signature(options.AuthorName, options.AuthorEmail, options.Clock.GetUtcNow());
            var message = $"run {manifest.Name}: manifest (domain {manifest.Domain}, seed {manifest.Seed})\n";
            var commit = WriteCommit(repo, options.Signer, sig, message, tree, []);
            manifestId = commit.Sha;
            var own = System.IO.Path.Combine(repo.Info.Path, "hyperagents");
            Directory.CreateDirectory(own);
            new Journal(System.IO.Path.Combine(own, "journal")).Append([new JournalRecord { Type = "R", Id = manifestId }], fsync);
            repo.Refs.Add(ManifestRef, commit.Id);
            repo.Refs.Add(BestRef, commit.Id);
            repo.Refs.UpdateTarget("HEAD", BestRef);
        }

        if (Directory.Exists(path))
        {
            Directory.Delete(path);
        }

        Directory.Move(temp, path);
        if (fsync)
        {
            Durable.FsyncDirectory(parent);
        }

        return path;
    }

    public string AddVariant(NewVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        AgentPaths.Validate(variant.Files.Keys);
        if (variant.Status.State != VariantState.Accepted && string.IsNullOrWhiteSpace(variant.Status.Reason))
        {
            throw new ArchiveException("A rejected or failed variant needs a reason.");
        }

        using var held = _run.HoldLock();
        lock (_run.Gate)
        {
            BeginWrite();
            Commit parentCommit;
            int generation;
            if (variant.Parent is null)
            {
                if (_run.Order.Count > 0)
                {
                    throw new ArchiveException("The run already has its seed variant; give the new variant a parent.");
                }

                parentCommit = _run.Repo.Lookup<Commit>(_run.ManifestId!);
                generation = 0;
            }
            else
            {
                var parent = _run.ById.GetValueOrDefault(variant.Parent)
                    ?? throw new ArchiveException($"Parent variant '{variant.Parent}' is not in this run; pass a full id from 'hyperagents lineage'.");
                parentCommit = _run.Repo.Lookup<Commit>(parent.Id);
                generation = parent.Generation + 1;
            }

            var sequence = (long)_run.Order.Count;
            var parentFiles = ReadAgentFiles(parentCommit.Tree);
            var changes = new List<ChangedFile>();
            var topFiles = new List<(string Name, ObjectId Id)>();
            var folders = new SortedDictionary<string, TreeDefinition>(StringComparer.Ordinal);
            foreach (var (path, content) in variant.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var bytes = Encoding.UTF8.GetBytes(content);
                var id = BlobId(bytes);
                var unchanged = parentFiles.TryGetValue(path, out var old) && old.Id == id && old.Mode == Mode.NonExecutableFile;
                if (!unchanged)
                {
                    if (!_run.Repo.ObjectDatabase.Contains(id))
                    {
                        _run.Repo.ObjectDatabase.Write<Blob>(bytes);
                    }

                    changes.Add(new ChangedFile(path, parentFiles.ContainsKey(path) ? "modified" : "added", FileKinds.Of(path)));
                }

                var slash = path.IndexOf('/');
                if (slash < 0)
                {
                    topFiles.Add((path, id));
                }
                else
                {
                    var folder = path[..slash];
                    if (!folders.TryGetValue(folder, out var sub))
                    {
                        folders[folder] = sub = new TreeDefinition();
                    }

                    sub.Add(path[(slash + 1)..], id, Mode.NonExecutableFile);
                }
            }

            foreach (var path in parentFiles.Keys.Where(p => !variant.Files.ContainsKey(p)))
            {
                changes.Add(new ChangedFile(path, "deleted", FileKinds.Of(path)));
            }

            changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));

            // The agent tree's id is hashed in memory: written as an object it would only dangle, since the commit's
            // tree is the agent tree plus .hyperagent/. Its sub-trees are written: the commit's tree shares them.
            var full = new TreeDefinition();
            var topEntries = new List<TreeEntryData>();
            foreach (var (name, id) in topFiles)
            {
                full.Add(name, id, Mode.NonExecutableFile);
                topEntries.Add(new TreeEntryData(name, Mode.NonExecutableFile, id));
            }

            foreach (var (name, sub) in folders)
            {
                var subtree = _run.Repo.ObjectDatabase.CreateTree(sub);
                full.Add(name, subtree);
                topEntries.Add(new TreeEntryData(name, Mode.Directory, subtree.Id));
            }

            var agentTree = HashTree(topEntries);

            TranscriptInfo? transcript = null;
            ObjectId? transcriptBlob = null;
            if (variant.Transcript is { } text)
            {
                transcriptBlob = _run.Repo.ObjectDatabase.Write<Blob>(Encoding.UTF8.GetBytes(text));
                transcript = new TranscriptInfo(TranscriptPath, transcriptBlob.Sha, CountLines(text));
            }

            var provenance = new Provenance
            {
                Run = System.IO.Path.GetFileName(_run.Path),
                Sequence = sequence,
                Parent = variant.Parent,
                Generation = generation,
                AgentTree = agentTree,
                Changes = changes,
                Status = variant.Status,
                Model = variant.Model,
                Tools = variant.Tools,
                GatePolicyHash = variant.GatePolicyHash,
                EvaluatorHash = variant.EvaluatorHash,
                Seeds = variant.Seeds,
                Transcript = transcript,
                Search = variant.Search,
            };
            full.Add(ProvenancePath, _run.Repo.ObjectDatabase.Write<Blob>(ArchiveJson.Serialize(provenance)), Mode.NonExecutableFile);
            if (transcriptBlob is not null)
            {
                full.Add(TranscriptPath, transcriptBlob, Mode.NonExecutableFile);
            }

            var tree = _run.Repo.ObjectDatabase.CreateTree(full);
            var sig = _run.Now();
            var commit = WriteCommit(_run.Repo, _run.Options.Signer, sig, CommitMessage(provenance), tree, [parentCommit]);

            var record = new JournalRecord
            {
                Type = "V",
                Id = commit.Sha,
                Parent = variant.Parent,
                Generation = generation,
                Sequence = sequence,
                State = variant.Status.State,
                Reason = variant.Status.Reason,
            };
            _run.Persist(record);
            _run.Apply(record);
            _run.EnsureVariantRef(commit.Sha);
            return commit.Sha;
        }
    }

    public void AttachEvaluation(string variantId, Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        if (string.IsNullOrWhiteSpace(evaluation.EvaluatorHash))
        {
            throw new ArchiveException("An evaluation needs its evaluator hash.");
        }

        using var held = _run.HoldLock();
        lock (_run.Gate)
        {
            BeginWrite();
            var entry = _run.Require(variantId);
            var commit = WriteNote(EvaluationNotesRef, entry.Id, existing =>
            {
                var note = existing is null
                    ? new EvaluationNote(EvaluationNote.CurrentSchema, entry.Id, [])
                    : ArchiveJson.EvaluationNote(existing);
                note.Evaluations.Add(evaluation);
                return ArchiveJson.Serialize(note);
            }, $"evaluation of {entry.Id[..12]}: {FormatScores(ScoresOf(evaluation))}\n");
            Acknowledge(new JournalRecord { Type = "E", Id = entry.Id, NotesCommit = commit.Sha, Scores = ScoresOf(evaluation) }, EvaluationNotesRef, commit.Id);
        }
    }

    public void MarkInvalidParent(string variantId, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        using var held = _run.HoldLock();
        lock (_run.Gate)
        {
            BeginWrite();
            var entry = _run.Require(variantId);
            var mark = new VariantMark(VariantMark.InvalidParent, reason, _run.Options.Clock.GetUtcNow());
            var commit = WriteNote(MarkNotesRef, entry.Id, existing =>
            {
                var note = existing is null
                    ? new MarkNote(MarkNote.CurrentSchema, entry.Id, [])
                    : ArchiveJson.MarkNote(existing);
                note.Marks.Add(mark);
                return ArchiveJson.Serialize(note);
            }, $"invalid parent {entry.Id[..12]}: {reason}\n");
            Acknowledge(new JournalRecord { Type = "M", Id = entry.Id, NotesCommit = commit.Sha, Reason = reason }, MarkNotesRef, commit.Id);
        }
    }

    public void SetBest(string variantId, double score)
    {
        using var held = _run.HoldLock();
        lock (_run.Gate)
        {
            BeginWrite();
            var entry = _run.Require(variantId);
            if (entry.State != VariantState.Accepted)
            {
                throw new ArchiveException($"Variant {entry.Id[..12]} is {entry.Status.Label}; only an accepted variant can be best.");
            }

            Acknowledge(new JournalRecord { Type = "B", Id = entry.Id, Value = score }, BestRef, new ObjectId(entry.Id));
        }
    }

    /// <summary>Ends a write in its order: the journal record (its durable point), the index, then the ref.</summary>
    private void Acknowledge(JournalRecord record, string refName, ObjectId target)
    {
        _run.Persist(record);
        _run.Apply(record);
        _run.UpdateRef(refName, target);
    }

    /// <summary>
    /// Starts a write under the run lock: reads what others wrote, and if a writer died mid-write since (its lock is
    /// gone, so it is not running), cuts its torn journal tail and finishes its ref update, as <see cref="Open"/> does.
    /// Then refuses to write on top of a run that fails the cheap integrity check (<see cref="RunVerifier.RequireTrustworthy"/>):
    /// a write would otherwise make a forged note or a cut journal part of the acknowledged history.
    /// </summary>
    private void BeginWrite()
    {
        var before = _run.Last;
        _run.Refresh();
        if (_run.JournalLost is null && _run.Journal.Damage is null)
        {
            if (_run.Journal.TornTail)
            {
                _run.Journal.TruncateTornTail();
            }

            if (!ReferenceEquals(before, _run.Last))
            {
                recovery.RepairLastWrite();
            }
        }

        verifier.RequireTrustworthy();
        RequireSignerIfSigned();
    }

    private Commit WriteNote(string notesRef, string variantId, Func<string?, byte[]> update, string message)
    {
        var tip = _run.Repo.Refs[notesRef]?.ResolveToDirectReference()?.Target as Commit;
        var fanout = variantId[..2];
        var rest = variantId[2..];
        var root = tip is null ? [] : EntriesOf(tip.Tree);
        var sub = tip?.Tree[fanout] is { TargetType: TreeEntryTargetType.Tree } fanoutEntry ? EntriesOf((Tree)fanoutEntry.Target) : [];
        var existing = sub.FirstOrDefault(e => e.Name == rest) is { Name: not null } hit ? _run.Repo.Lookup<Blob>(hit.Id).GetContentText(Encoding.UTF8)
            : root.FirstOrDefault(e => e.Name == variantId) is { Name: not null } flat ? _run.Repo.Lookup<Blob>(flat.Id).GetContentText(Encoding.UTF8)
            : null;

        // Trees are written as raw objects: LibGit2Sharp's TreeDefinition checks every entry of the 256-wide fanout
        // tree against the object database, which costs milliseconds a note at scale.
        var blob = _run.Repo.ObjectDatabase.Write<Blob>(update(existing));
        sub.RemoveAll(e => e.Name == rest);
        sub.Add(new TreeEntryData(rest, Mode.NonExecutableFile, blob));
        var subtree = _run.Repo.ObjectDatabase.Write<Tree>(TreeBytes(sub));
        root.RemoveAll(e => e.Name == fanout || e.Name == variantId);
        root.Add(new TreeEntryData(fanout, Mode.Directory, subtree));
        var tree = _run.Repo.Lookup<Tree>(_run.Repo.ObjectDatabase.Write<Tree>(TreeBytes(root)));
        var sig = _run.Now();
        return WriteCommit(_run.Repo, _run.Options.Signer, sig, message, tree, tip is null ? [] : [tip]);
    }

    private void RequireSignerIfSigned()
    {
        var key = _run.SigningKey;
        if (key is not null && _run.Options.Signer?.PublicKey != key)
        {
            throw new ArchiveException("This run signs its commits; open it with its signing key (ArchiveOptions.Signer) to write to it.");
        }
    }

    private static string CommitMessage(Provenance p)
    {
        var task = p.Changes.Count(c => c.Kind == FileKind.Task);
        var meta = p.Changes.Count(c => c.Kind == FileKind.Meta);
        var other = p.Changes.Count - task - meta;
        var text = new StringBuilder()
            .Append(p.Parent is null ? "seed" : $"g{p.Generation}")
            .Append(' ').Append(p.Status.Label)
            .Append($": {task} task, {meta} meta, {other} other file(s) changed\n");
        if (p.Status.Reason is { } reason)
        {
            text.Append('\n').Append(reason.Trim()).Append('\n');
        }

        text.Append('\n')
            .Append("Hyperagents-Parent: ").Append(p.Parent ?? "none").Append('\n')
            .Append("Hyperagents-Generation: ").Append(p.Generation).Append('\n')
            .Append("Hyperagents-Sequence: ").Append(p.Sequence).Append('\n');
        return text.ToString();
    }
}
