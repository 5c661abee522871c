using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LibGit2Sharp;

namespace Hyperagents.Archive;

/// <summary>
/// One run: a bare git repository whose root commit holds the run manifest and whose every other commit is a variant
/// (parent commit = parent variant), with evaluations and marks as git notes.
/// </summary>
/// <remarks>
/// <para>Writes go through the object database (no working directory). Order of a write: objects (fsync'd), then a
/// journal record (fsync'd), then the ref. A crash at any point leaves the old or the new state; <see cref="Open"/>
/// finishes or discards the one write that may have been cut (only one can be: writers hold the run's lock).</para>
/// <para>Thread-safe; several processes may write the same run.</para>
/// </remarks>
public sealed partial class ArchiveRun : IDisposable
{
    /// <summary>The ref of the run's root commit (the manifest).</summary>
    public const string ManifestRef = "refs/heads/manifest";

    /// <summary>The ref of the best accepted variant; the manifest commit until one is set. HEAD points to it.</summary>
    public const string BestRef = "refs/heads/best";

    /// <summary>The prefix of the one ref per variant: <c>refs/heads/variants/&lt;12-hex short id&gt;</c>.</summary>
    public const string VariantRefPrefix = "refs/heads/variants/";

    /// <summary>The notes ref holding evaluations.</summary>
    public const string EvaluationNotesRef = "refs/notes/hyperagents/evals";

    /// <summary>The notes ref holding marks such as invalid-parent.</summary>
    public const string MarkNotesRef = "refs/notes/hyperagents/marks";

    private const string ProvenancePath = AgentPaths.Reserved + "/provenance.json";
    private const string TranscriptPath = AgentPaths.Reserved + "/transcript.jsonl";
    private const string ManifestPath = AgentPaths.Reserved + "/manifest.json";

    private readonly Repository _repo;
    private readonly Journal _journal;
    private readonly ArchiveOptions _options;
    private readonly string _lockPath;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly List<Entry> _order = [];
    private string? _manifestId;
    private string? _best;
    private string? _bestBefore;
    private JournalRecord? _last;
    private readonly int _syncFd = -1;
    private bool _disposed;

    private ArchiveRun(string path, ArchiveOptions options)
    {
        _options = options;
        GitNative.SetFsync(options.Durability == Durability.FsyncEachFile);
        _repo = new Repository(path);
        Path = System.IO.Path.GetFullPath(path);
        var own = System.IO.Path.Combine(_repo.Info.Path, "hyperagents");
        Directory.CreateDirectory(own);
        _journal = new Journal(System.IO.Path.Combine(own, "journal"));
        _lockPath = System.IO.Path.Combine(own, "write.lock");
        if (options.Durability == Durability.SyncFileSystem)
        {
            _syncFd = Durable.OpenForSync(own);
            if (_syncFd < 0)
            {
                _repo.Dispose();
                throw new ArchiveException("Durability.SyncFileSystem needs Linux (syncfs); use Durability.FsyncEachFile here.");
            }
        }
    }

    /// <summary>The run's folder (a bare git repository).</summary>
    public string Path { get; }

    /// <summary>The id of the root commit, which holds the manifest.</summary>
    public string ManifestId
    {
        get
        {
            lock (_gate)
            {
                return _manifestId ?? throw new ArchiveException($"The run at '{Path}' has no manifest.");
            }
        }
    }

    /// <summary>The hash-chain head of the run's journal, for anchoring outside the run.</summary>
    public string JournalHead
    {
        get
        {
            lock (_gate)
            {
                Refresh();
                return _journal.Head;
            }
        }
    }

    /// <summary>Creates a run: a bare repository at <paramref name="path"/> whose root commit holds the manifest.</summary>
    /// <param name="path">The folder; it must not exist or be empty.</param>
    /// <param name="manifest">The manifest.</param>
    /// <param name="options">Write options; <see cref="ArchiveOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The open run.</returns>
    /// <exception cref="ArchiveException">The folder already holds something.</exception>
    public static ArchiveRun Create(string path, RunManifest manifest, ArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= ArchiveOptions.Default;
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

        return Open(path, options);
    }

    /// <summary>
    /// Opens a run and reconciles it: stale lock files removed, a torn journal tail cut, the last write finished; then
    /// runs the cheap integrity check (<see cref="IntegrityProblems"/>). A run that fails it still opens, to be read and
    /// verified, but refuses writes.
    /// </summary>
    /// <param name="path">The run's folder.</param>
    /// <param name="options">Write options; <see cref="ArchiveOptions.Default"/> when <see langword="null"/>.</param>
    /// <returns>The open run.</returns>
    /// <exception cref="ArchiveException">There is no run there.</exception>
    public static ArchiveRun Open(string path, ArchiveOptions? options = null)
    {
        options ??= ArchiveOptions.Default;
        path = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(path) || !Repository.IsValid(path))
        {
            throw new ArchiveException($"There is no run at '{path}'. Check the run name and the archive folder (--archive or HYPERAGENTS_ARCHIVE).");
        }

        var run = new ArchiveRun(path, options);
        try
        {
            if (run._repo.Refs[ManifestRef] is null)
            {
                throw new ArchiveException($"'{path}' is a git repository but not a Hyperagents run (no {ManifestRef}).");
            }

            run.Reconcile();
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>Reads the manifest from the root commit.</summary>
    public RunManifest ReadManifest()
    {
        lock (_gate)
        {
            var commit = _repo.Lookup<Commit>(ManifestId)
                ?? throw new ArchiveException($"The run's manifest commit {ManifestId} is missing from the object database; run 'hyperagents verify'.");
            return ArchiveJson.Deserialize<RunManifest>(ReadText(commit.Tree, ManifestPath)
                ?? throw new ArchiveException("The run's root commit has no manifest."));
        }
    }

    /// <summary>Adds a variant: writes its files, provenance and transcript as one commit whose parent is its parent variant.</summary>
    /// <param name="variant">The files and what is known about the attempt.</param>
    /// <returns>The variant id (the commit id). When this returns, the variant is durable.</returns>
    /// <exception cref="ArchiveException">A path is refused, the parent is unknown, or a second seed is added.</exception>
    public string AddVariant(NewVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        AgentPaths.Validate(variant.Files.Keys);
        if (variant.Status.State != VariantState.Accepted && string.IsNullOrWhiteSpace(variant.Status.Reason))
        {
            throw new ArchiveException("A rejected or failed variant needs a reason.");
        }

        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            BeginWrite();
            Commit parentCommit;
            int generation;
            if (variant.Parent is null)
            {
                if (_order.Count > 0)
                {
                    throw new ArchiveException("The run already has its seed variant; give the new variant a parent.");
                }

                parentCommit = _repo.Lookup<Commit>(_manifestId!);
                generation = 0;
            }
            else
            {
                var parent = _byId.GetValueOrDefault(variant.Parent)
                    ?? throw new ArchiveException($"Parent variant '{variant.Parent}' is not in this run; pass a full id from 'hyperagents lineage'.");
                parentCommit = _repo.Lookup<Commit>(parent.Id);
                generation = parent.Generation + 1;
            }

            var sequence = (long)_order.Count;
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
                    if (!_repo.ObjectDatabase.Contains(id))
                    {
                        _repo.ObjectDatabase.Write<Blob>(bytes);
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
                var subtree = _repo.ObjectDatabase.CreateTree(sub);
                full.Add(name, subtree);
                topEntries.Add(new TreeEntryData(name, Mode.Directory, subtree.Id));
            }

            var agentTree = HashTree(topEntries);

            TranscriptInfo? transcript = null;
            ObjectId? transcriptBlob = null;
            if (variant.Transcript is { } text)
            {
                transcriptBlob = _repo.ObjectDatabase.Write<Blob>(Encoding.UTF8.GetBytes(text));
                transcript = new TranscriptInfo(TranscriptPath, transcriptBlob.Sha, CountLines(text));
            }

            var provenance = new Provenance
            {
                Run = System.IO.Path.GetFileName(Path),
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
            };
            full.Add(ProvenancePath, _repo.ObjectDatabase.Write<Blob>(ArchiveJson.Serialize(provenance)), Mode.NonExecutableFile);
            if (transcriptBlob is not null)
            {
                full.Add(TranscriptPath, transcriptBlob, Mode.NonExecutableFile);
            }

            var tree = _repo.ObjectDatabase.CreateTree(full);
            var sig = Now();
            var commit = WriteCommit(_repo, _options.Signer, sig, CommitMessage(provenance), tree, [parentCommit]);

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
            Persist(record);
            Apply(record);
            EnsureVariantRef(commit.Sha);
            return commit.Sha;
        }
    }

    /// <summary>Attaches an evaluation to a variant as a git note; earlier evaluations are kept, the id never changes.</summary>
    /// <param name="variantId">The variant's full id.</param>
    /// <param name="evaluation">The evaluation.</param>
    /// <exception cref="ArchiveException">The variant is unknown.</exception>
    public void AttachEvaluation(string variantId, Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        if (string.IsNullOrWhiteSpace(evaluation.EvaluatorHash))
        {
            throw new ArchiveException("An evaluation needs its evaluator hash.");
        }

        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            BeginWrite();
            var entry = Require(variantId);
            var commit = WriteNote(EvaluationNotesRef, entry.Id, existing =>
            {
                var note = existing is null
                    ? new EvaluationNote(EvaluationNote.CurrentSchema, entry.Id, [])
                    : ArchiveJson.EvaluationNote(existing);
                note.Evaluations.Add(evaluation);
                return ArchiveJson.Serialize(note);
            }, $"evaluation of {entry.Id[..12]}: {FormatScores(ScoresOf(evaluation))}\n");
            var record = new JournalRecord { Type = "E", Id = entry.Id, NotesCommit = commit.Sha, Scores = ScoresOf(evaluation) };
            Persist(record);
            Apply(record);
            UpdateRef(EvaluationNotesRef, commit.Id);
        }
    }

    /// <summary>Marks a variant as an invalid parent (its ModifySelf failed): an append-only note, never removed.</summary>
    /// <param name="variantId">The variant's full id.</param>
    /// <param name="reason">Why.</param>
    public void MarkInvalidParent(string variantId, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            BeginWrite();
            var entry = Require(variantId);
            var mark = new VariantMark(VariantMark.InvalidParent, reason, _options.Clock.GetUtcNow());
            var commit = WriteNote(MarkNotesRef, entry.Id, existing =>
            {
                var note = existing is null
                    ? new MarkNote(MarkNote.CurrentSchema, entry.Id, [])
                    : ArchiveJson.MarkNote(existing);
                note.Marks.Add(mark);
                return ArchiveJson.Serialize(note);
            }, $"invalid parent {entry.Id[..12]}: {reason}\n");
            var record = new JournalRecord { Type = "M", Id = entry.Id, NotesCommit = commit.Sha, Reason = reason };
            Persist(record);
            Apply(record);
            UpdateRef(MarkNotesRef, commit.Id);
        }
    }

    /// <summary>Moves <c>best</c> to an accepted variant.</summary>
    /// <param name="variantId">The variant's full id.</param>
    /// <param name="score">The score the caller ranked it by (recorded in the journal).</param>
    /// <exception cref="ArchiveException">The variant is unknown or not accepted.</exception>
    public void SetBest(string variantId, double score)
    {
        using var held = RunLock.Acquire(_lockPath, _options.LockTimeout);
        lock (_gate)
        {
            BeginWrite();
            var entry = Require(variantId);
            if (entry.State != VariantState.Accepted)
            {
                throw new ArchiveException($"Variant {entry.Id[..12]} is {entry.Status.Label}; only an accepted variant can be best.");
            }

            var record = new JournalRecord { Type = "B", Id = entry.Id, Value = score };
            Persist(record);
            Apply(record);
            UpdateRef(BestRef, new ObjectId(entry.Id));
        }
    }

    /// <summary>Every variant in the order it was added, with its latest scores and children count.</summary>
    public IReadOnlyList<VariantSummary> ListVariants()
    {
        lock (_gate)
        {
            Refresh();
            return _order.Select(Summarise).ToList();
        }
    }

    /// <summary>One variant's summary.</summary>
    /// <param name="variantId">Its full id.</param>
    /// <exception cref="ArchiveException">Unknown variant.</exception>
    public VariantSummary GetVariant(string variantId)
    {
        lock (_gate)
        {
            Refresh();
            return Summarise(Require(variantId));
        }
    }

    /// <summary>The best variant's id, or <see langword="null"/> when none was set.</summary>
    public string? Best
    {
        get
        {
            lock (_gate)
            {
                Refresh();
                return _best;
            }
        }
    }

    /// <summary>Finds a variant by full id, unique prefix (4+ hex digits), <c>best</c>, <c>seed</c> or <c>latest</c>.</summary>
    /// <param name="idOrPrefix">What the user typed.</param>
    /// <returns>The full id.</returns>
    /// <exception cref="ArchiveException">No or several variants match.</exception>
    public string Resolve(string idOrPrefix)
    {
        lock (_gate)
        {
            Refresh();
            switch (idOrPrefix)
            {
                case "best":
                    return _best ?? throw new ArchiveException("No best variant was set in this run yet.");
                case "seed":
                    return _order.Count > 0 ? _order[0].Id : throw new ArchiveException("This run has no variants yet.");
                case "latest":
                    return _order.Count > 0 ? _order[^1].Id : throw new ArchiveException("This run has no variants yet.");
            }

            if (_byId.ContainsKey(idOrPrefix))
            {
                return idOrPrefix;
            }

            var prefix = idOrPrefix.ToLowerInvariant();
            if (prefix.Length < 4 || !prefix.All(Uri.IsHexDigit))
            {
                throw new ArchiveException($"'{idOrPrefix}' is not a variant id; give 4 or more hex digits of one, or best, seed, latest.");
            }

            var matches = _order.Where(e => e.Id.StartsWith(prefix, StringComparison.Ordinal)).Take(2).ToList();
            return matches.Count switch
            {
                1 => matches[0].Id,
                0 => throw new ArchiveException($"No variant of this run starts with '{idOrPrefix}'; list them with 'hyperagents lineage'."),
                _ => throw new ArchiveException($"Several variants start with '{idOrPrefix}'; give more digits."),
            };
        }
    }

    /// <summary>The variant and its ancestors, nearest first, ending with the seed.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<VariantSummary> GetLineage(string variantId)
    {
        lock (_gate)
        {
            Refresh();
            var result = new List<VariantSummary>();
            for (var e = Require(variantId); ; e = _byId[e.Parent])
            {
                result.Add(Summarise(e));
                if (e.Parent is null)
                {
                    return result;
                }
            }
        }
    }

    /// <summary>The ids of a variant's children, in the order they were added.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<string> GetChildren(string variantId)
    {
        lock (_gate)
        {
            Refresh();
            return Require(variantId).ChildIds.ToList();
        }
    }

    /// <summary>The agent's files of a variant, by relative path.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyDictionary<string, string> GetFiles(string variantId)
    {
        lock (_gate)
        {
            var commit = LookupVariant(variantId);
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (path, (id, _)) in ReadAgentFiles(commit.Tree))
            {
                files[path] = _repo.Lookup<Blob>(id).GetContentText(Encoding.UTF8);
            }

            return files;
        }
    }

    /// <summary>The change from the parent variant, one unified diff per file (against nothing for the seed).</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<FileDiff> GetDiff(string variantId)
    {
        lock (_gate)
        {
            var commit = LookupVariant(variantId);
            var parent = commit.Parents.Single();
            var patch = _repo.Diff.Compare<Patch>(parent.Tree, commit.Tree);
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

    /// <summary>Reads a variant's provenance.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public Provenance ReadProvenance(string variantId)
    {
        lock (_gate)
        {
            return ParseProvenance(LookupVariant(variantId));
        }
    }

    /// <summary>Reads a variant's transcript (JSON lines), or <see langword="null"/> when it has none.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public string? ReadTranscript(string variantId)
    {
        lock (_gate)
        {
            return ReadText(LookupVariant(variantId).Tree, TranscriptPath);
        }
    }

    /// <summary>Every evaluation attached to a variant, oldest first.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<Evaluation> GetEvaluations(string variantId)
    {
        lock (_gate)
        {
            Refresh();
            var text = ReadNote(EvaluationNotesRef, Require(variantId).Id);
            return text is null ? [] : ArchiveJson.EvaluationNote(text).Evaluations;
        }
    }

    /// <summary>Every mark on a variant, oldest first.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<VariantMark> GetMarks(string variantId)
    {
        lock (_gate)
        {
            Refresh();
            var text = ReadNote(MarkNotesRef, Require(variantId).Id);
            return text is null ? [] : ArchiveJson.MarkNote(text).Marks;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _repo.Dispose();
                Durable.CloseSync(_syncFd);
            }
        }
    }

    private VariantSummary Summarise(Entry e) => new(
        e.Id, e.Parent, e.Generation, e.Sequence, e.Status, e.Scores, e.Evaluations, e.ChildIds.Count, e.InvalidParent,
        string.Equals(e.Id, _best, StringComparison.Ordinal));

    private Entry Require(string variantId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _byId.GetValueOrDefault(variantId)
            ?? throw new ArchiveException($"Variant '{variantId}' is not in this run; list the variants with 'hyperagents lineage'.");
    }

    private Commit LookupVariant(string variantId)
    {
        Refresh();
        var entry = Require(variantId);
        return _repo.Lookup<Commit>(entry.Id) ?? throw new ArchiveException($"Variant {entry.Id} is recorded but its commit is missing; run 'hyperagents verify'.");
    }

    /// <summary>
    /// Starts a write under the run lock: reads what others wrote, and if a writer died mid-write since (its lock is
    /// gone, so it is not running), cuts its torn journal tail and finishes its ref update, as <see cref="Open"/> does.
    /// Then refuses to write on top of a run that fails the cheap integrity check (<see cref="RequireTrustworthy"/>):
    /// a write would otherwise make a forged note or a cut journal part of the acknowledged history.
    /// </summary>
    private void BeginWrite()
    {
        var before = _last;
        Refresh();
        if (_journalLost is null && _journal.Damage is null)
        {
            if (_journal.TornTail)
            {
                _journal.TruncateTornTail();
            }

            if (!ReferenceEquals(before, _last))
            {
                RepairLastWrite();
            }
        }

        RequireTrustworthy();
        RequireSignerIfSigned();
    }

    /// <summary>The durable point of a write: after it, the write is acknowledged and survives a crash.</summary>
    private void Persist(JournalRecord record)
    {
        switch (_options.Durability)
        {
            case Durability.FsyncEachFile:
                _journal.Append([record], fsync: true);
                break;
            case Durability.SyncFileSystem:
                _journal.Append([record], fsync: false);
                Durable.SyncFileSystem(_syncFd);
                break;
            default:
                _journal.Append([record], fsync: false);
                break;
        }
    }

    private Signature Now() => new(_options.AuthorName, _options.AuthorEmail, _options.Clock.GetUtcNow());

    private void Refresh()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var record in _journal.ReadNew())
        {
            Apply(record);
        }
    }

    private void Apply(JournalRecord record)
    {
        _last = record;
        switch (record.Type)
        {
            case "R":
                _manifestId = record.Id;
                break;
            case "V":
                if (_byId.ContainsKey(record.Id))
                {
                    break;
                }

                var entry = new Entry(record.Id, record.Parent, record.Generation, record.Sequence, new VariantStatus(record.State, record.Reason));
                _byId[record.Id] = entry;
                _order.Add(entry);
                if (record.Parent is not null && _byId.TryGetValue(record.Parent, out var parent))
                {
                    parent.ChildIds.Add(record.Id);
                }

                break;
            case "E":
                _notesTips["E"] = record.NotesCommit!;
                if (_byId.TryGetValue(record.Id, out var evaluated))
                {
                    // Splits the new evaluation does not hold keep their score (eval --split test leaves train and val).
                    evaluated.Scores = new Dictionary<string, double>(evaluated.Scores, StringComparer.Ordinal);
                    foreach (var (split, score) in record.Scores ?? [])
                    {
                        evaluated.Scores[split] = score;
                    }

                    evaluated.Evaluations++;
                }

                break;
            case "M":
                _notesTips["M"] = record.NotesCommit!;
                if (_byId.TryGetValue(record.Id, out var marked))
                {
                    marked.InvalidParent = true;
                    marked.Marks++;
                }

                break;
            case "B":
                _bestBefore = _best;
                _best = record.Id;
                break;
        }
    }

    private Commit WriteNote(string notesRef, string variantId, Func<string?, byte[]> update, string message)
    {
        var tip = _repo.Refs[notesRef]?.ResolveToDirectReference()?.Target as Commit;
        var fanout = variantId[..2];
        var rest = variantId[2..];
        var root = tip is null ? [] : EntriesOf(tip.Tree);
        var sub = tip?.Tree[fanout] is { TargetType: TreeEntryTargetType.Tree } fanoutEntry ? EntriesOf((Tree)fanoutEntry.Target) : [];
        var existing = sub.FirstOrDefault(e => e.Name == rest) is { Name: not null } hit ? _repo.Lookup<Blob>(hit.Id).GetContentText(Encoding.UTF8)
            : root.FirstOrDefault(e => e.Name == variantId) is { Name: not null } flat ? _repo.Lookup<Blob>(flat.Id).GetContentText(Encoding.UTF8)
            : null;

        // Trees are written as raw objects: LibGit2Sharp's TreeDefinition checks every entry of the 256-wide fanout
        // tree against the object database, which costs milliseconds a note at scale.
        var blob = _repo.ObjectDatabase.Write<Blob>(update(existing));
        sub.RemoveAll(e => e.Name == rest);
        sub.Add(new TreeEntryData(rest, Mode.NonExecutableFile, blob));
        var subtree = _repo.ObjectDatabase.Write<Tree>(TreeBytes(sub));
        root.RemoveAll(e => e.Name == fanout || e.Name == variantId);
        root.Add(new TreeEntryData(fanout, Mode.Directory, subtree));
        var tree = _repo.Lookup<Tree>(_repo.ObjectDatabase.Write<Tree>(TreeBytes(root)));
        var sig = Now();
        return WriteCommit(_repo, _options.Signer, sig, message, tree, tip is null ? [] : [tip]);
    }

    /// <summary>Writes a commit, signed (an SSH signature in its <c>gpgsig</c> header) when there is a signer.</summary>
    private static Commit WriteCommit(Repository repo, CommitSigner? signer, Signature sig, string message, Tree tree, Commit[] parents)
    {
        if (signer is null)
        {
            return repo.ObjectDatabase.CreateCommit(sig, sig, message, tree, parents, prettifyMessage: false);
        }

        var offset = sig.When.Offset;
        var zone = $"{(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}";
        var person = $"{sig.Name} <{sig.Email}> {sig.When.ToUnixTimeSeconds()} {zone}";
        var content = new StringBuilder().Append("tree ").Append(tree.Sha).Append('\n');
        foreach (var parent in parents)
        {
            content.Append("parent ").Append(parent.Sha).Append('\n');
        }

        content.Append("author ").Append(person).Append('\n').Append("committer ").Append(person).Append("\n\n").Append(message);
        var text = content.ToString();
        return repo.Lookup<Commit>(repo.ObjectDatabase.CreateCommitWithSignature(text, signer.Sign(text)));
    }

    private void RequireSignerIfSigned()
    {
        var key = SigningKey;
        if (key is not null && _options.Signer?.PublicKey != key)
        {
            throw new ArchiveException("This run signs its commits; open it with its signing key (ArchiveOptions.Signer) to write to it.");
        }
    }

    /// <summary>The public key every commit of this run must be signed with, or <see langword="null"/> for an unsigned run.</summary>
    public string? SigningKey
    {
        get
        {
            _signingKey ??= ReadManifest().SigningKey ?? "";
            return _signingKey.Length == 0 ? null : _signingKey;
        }
    }

    private string? _signingKey;

    private static List<TreeEntryData> EntriesOf(Tree tree) =>
        tree.Select(e => new TreeEntryData(e.Name, e.Mode, e.Target.Id)).ToList();

    private string? ReadNote(string notesRef, string variantId)
    {
        var tip = _repo.Refs[notesRef]?.ResolveToDirectReference()?.Target as Commit;
        return tip is null ? null : ReadText(tip.Tree, NotePath(variantId)) ?? ReadText(tip.Tree, variantId);
    }

    // git's own 2/38 fanout, so plain 'git notes' and 'git log --notes' read them.
    private static string NotePath(string id) => id[..2] + "/" + id[2..];

    private void EnsureVariantRef(string id)
    {
        var shortName = VariantRefPrefix + id[..12];
        var existing = _repo.Refs[shortName];
        if (existing is null)
        {
            UpdateRef(shortName, new ObjectId(id));
        }
        else if (existing.TargetIdentifier != id && _repo.Refs[VariantRefPrefix + id] is null)
        {
            // Two variants sharing 12 hex digits: the second gets its full id.
            UpdateRef(VariantRefPrefix + id, new ObjectId(id));
        }
    }

    private static string? ReadText(Tree tree, string path) =>
        tree[path]?.Target is Blob blob ? blob.GetContentText(Encoding.UTF8) : null;

    private static Dictionary<string, (ObjectId Id, Mode Mode)> ReadAgentFiles(Tree tree)
    {
        var files = new Dictionary<string, (ObjectId, Mode)>(StringComparer.Ordinal);
        Walk(tree, "");
        return files;

        void Walk(Tree t, string prefix)
        {
            foreach (var entry in t)
            {
                if (prefix.Length == 0 && entry.Name == AgentPaths.Reserved)
                {
                    continue;
                }

                if (entry.TargetType == TreeEntryTargetType.Tree)
                {
                    Walk((Tree)entry.Target, prefix + entry.Name + "/");
                }
                else
                {
                    files[prefix + entry.Name] = (entry.Target.Id, entry.Mode);
                }
            }
        }
    }

    private Provenance ParseProvenance(Commit commit)
    {
        var text = ReadText(commit.Tree, ProvenancePath)
            ?? throw new ArchiveException($"Commit {commit.Sha} has no {ProvenancePath}; it is not a variant.");
        return ArchiveJson.Provenance(text);
    }

    private static ObjectId BlobId(byte[] content)
    {
        var header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha.AppendData(header);
        sha.AppendData(content);
        return new ObjectId(sha.GetHashAndReset());
    }

    private static int CountLines(string text) =>
        text.Split('\n').Count(line => line.Trim().Length > 0);

    private static Dictionary<string, double> ScoresOf(Evaluation evaluation) =>
        evaluation.Splits.ToDictionary(s => s.Key, s => s.Value.Score, StringComparer.Ordinal);

    private static Dictionary<string, double> LatestScores(IReadOnlyList<Evaluation> evaluations) =>
        ScoreStatistics.LatestSplits(evaluations).ToDictionary(s => s.Key, s => s.Value.Split.Score, StringComparer.Ordinal);

    internal static string FormatScores(IReadOnlyDictionary<string, double> scores) =>
        scores.Count == 0 ? "-" : string.Join(" ", scores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value:0.###}"));

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

    private sealed class Entry(string id, string? parent, int generation, long sequence, VariantStatus status)
    {
        public string Id { get; } = id;
        public string? Parent { get; } = parent;
        public int Generation { get; } = generation;
        public long Sequence { get; } = sequence;
        public VariantStatus Status { get; } = status;
        public VariantState State => Status.State;
        public Dictionary<string, double> Scores { get; set; } = [];
        public int Evaluations { get; set; }
        public int Marks { get; set; }
        public bool InvalidParent { get; set; }
        public List<string> ChildIds { get; } = [];
    }
}
