using LibGit2Sharp;
using static Hyperagents.Archive.GitObjects;

namespace Hyperagents.Archive;

/// <summary>
/// What the parts of an open run share: the repository, the journal and the in-memory index it yields, the options,
/// the lock, and the few git operations every part uses.
/// </summary>
internal sealed class RunState : IDisposable
{
    private readonly int _syncFd = -1;
    private string? _signingKey;

    public RunState(string path, ArchiveOptions options)
    {
        Options = options;
        GitNative.SetFsync(options.Durability == Durability.FsyncEachFile);
        Repo = new Repository(path);
        Path = System.IO.Path.GetFullPath(path);
        var own = System.IO.Path.Combine(Repo.Info.Path, "hyperagents");
        Directory.CreateDirectory(own);
        Journal = new Journal(System.IO.Path.Combine(own, "journal"));
        LockPath = System.IO.Path.Combine(own, "write.lock");
        if (options.Durability == Durability.SyncFileSystem)
        {
            _syncFd = Durable.OpenForSync(own);
            if (_syncFd < 0)
            {
                Repo.Dispose();
                throw new ArchiveException("Durability.SyncFileSystem needs Linux (syncfs); use Durability.FsyncEachFile here.");
            }
        }
    }

    /// <summary>The run's folder (a bare git repository).</summary>
    public string Path { get; }

    public Repository Repo { get; }

    public Journal Journal { get; }

    public ArchiveOptions Options { get; }

    public string LockPath { get; }

    /// <summary>Guards everything below within this process; <see cref="LockPath"/> (the run lock) guards writes across processes.</summary>
    public Lock Gate { get; } = new();

    public Dictionary<string, RunEntry> ById { get; } = new(StringComparer.Ordinal);

    public List<RunEntry> Order { get; } = [];

    /// <summary>The last notes commit the archive wrote, by record type (E, M).</summary>
    public Dictionary<string, string> NotesTips { get; } = new(StringComparer.Ordinal);

    public string? ManifestId { get; set; }

    public string? Best { get; set; }

    public string? BestBefore { get; set; }

    public JournalRecord? Last { get; set; }

    /// <summary>Why the journal has no run record while git holds variants (missing, emptied, cut), or <see langword="null"/>.</summary>
    public string? JournalLost { get; set; }

    /// <summary>What the cheap integrity check found when the run was opened (or its journal rebuilt).</summary>
    public IReadOnlyList<VerifyProblem> Integrity { get; set; } = [];

    public bool Disposed { get; private set; }

    /// <summary>The id of the root commit, which holds the manifest.</summary>
    /// <exception cref="ArchiveException">The journal records none.</exception>
    public string RequireManifestId() => ManifestId ?? throw new ArchiveException($"The run at '{Path}' has no manifest.");

    /// <summary>Holds the run's write lock across processes until disposed.</summary>
    public IDisposable HoldLock() => RunLock.Acquire(LockPath, Options.LockTimeout);

    public RunManifest ReadManifest()
    {
        lock (Gate)
        {
            var commit = Repo.Lookup<Commit>(RequireManifestId())
                ?? throw new ArchiveException($"The run's manifest commit {RequireManifestId()} is missing from the object database; run 'hyperagents verify'.");
            return ArchiveJson.Deserialize<RunManifest>(ReadText(commit.Tree, ManifestPath)
                ?? throw new ArchiveException("The run's root commit has no manifest."));
        }
    }

    public RunEntry Require(string variantId)
    {
        ObjectDisposedException.ThrowIf(Disposed, typeof(ArchiveRun));
        return ById.GetValueOrDefault(variantId)
            ?? throw new ArchiveException($"Variant '{variantId}' is not in this run; list the variants with 'hyperagents lineage'.");
    }

    public Commit LookupVariant(string variantId)
    {
        Refresh();
        var entry = Require(variantId);
        return Repo.Lookup<Commit>(entry.Id) ?? throw new ArchiveException($"Variant {entry.Id} is recorded but its commit is missing; run 'hyperagents verify'.");
    }

    /// <summary>The durable point of a write: after it, the write is acknowledged and survives a crash.</summary>
    public void Persist(JournalRecord record)
    {
        switch (Options.Durability)
        {
            case Durability.FsyncEachFile:
                Journal.Append([record], fsync: true);
                break;
            case Durability.SyncFileSystem:
                Journal.Append([record], fsync: false);
                Durable.SyncFileSystem(_syncFd);
                break;
            default:
                Journal.Append([record], fsync: false);
                break;
        }
    }

    public Signature Now() => new(Options.AuthorName, Options.AuthorEmail, Options.Clock.GetUtcNow());

    public void Refresh()
    {
        ObjectDisposedException.ThrowIf(Disposed, typeof(ArchiveRun));
        foreach (var record in Journal.ReadNew())
        {
            Apply(record);
        }
    }

    public void Apply(JournalRecord record)
    {
        Last = record;
        switch (record.Type)
        {
            case "R":
                ManifestId = record.Id;
                break;
            case "V":
                if (ById.ContainsKey(record.Id))
                {
                    break;
                }

                var entry = new RunEntry(record.Id, record.Parent, record.Generation, record.Sequence, new VariantStatus(record.State, record.Reason));
                ById[record.Id] = entry;
                Order.Add(entry);
                if (record.Parent is not null && ById.TryGetValue(record.Parent, out var parent))
                {
                    parent.ChildIds.Add(record.Id);
                }

                break;
            case "E":
                NotesTips["E"] = record.NotesCommit!;
                if (ById.TryGetValue(record.Id, out var evaluated))
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
                NotesTips["M"] = record.NotesCommit!;
                if (ById.TryGetValue(record.Id, out var marked))
                {
                    marked.InvalidParent = true;
                    marked.Marks++;
                }

                break;
            case "B":
                BestBefore = Best;
                Best = record.Id;
                break;
        }
    }

    public string? SigningKey
    {
        get
        {
            _signingKey ??= ReadManifest().SigningKey ?? "";
            return _signingKey.Length == 0 ? null : _signingKey;
        }
    }

    public string? ReadNote(string notesRef, string variantId)
    {
        var tip = Repo.Refs[notesRef]?.ResolveToDirectReference()?.Target as Commit;
        return tip is null ? null : ReadText(tip.Tree, NotePath(variantId)) ?? ReadText(tip.Tree, variantId);
    }

    public void EnsureVariantRef(string id)
    {
        var shortName = ArchiveRun.VariantRefPrefix + id[..12];
        var existing = Repo.Refs[shortName];
        if (existing is null)
        {
            UpdateRef(shortName, new ObjectId(id));
        }
        else if (existing.TargetIdentifier != id && Repo.Refs[ArchiveRun.VariantRefPrefix + id] is null)
        {
            // Two variants sharing 12 hex digits: the second gets its full id.
            UpdateRef(ArchiveRun.VariantRefPrefix + id, new ObjectId(id));
        }
    }

    public Provenance ParseProvenance(Commit commit)
    {
        var text = ReadText(commit.Tree, ProvenancePath)
            ?? throw new ArchiveException($"Commit {commit.Sha} has no {ProvenancePath}; it is not a variant.");
        return ArchiveJson.Provenance(text);
    }

    public bool Has(string id) => Has(new ObjectId(id));

    public bool Has(ObjectId id) => Repo.ObjectDatabase.Contains(id);

    /// <summary>
    /// The notes of a notes commit (git's 2/38 fanout or flat), as variant id and blob id; a missing tree is named in
    /// <paramref name="problems"/> (when given) and its notes skipped. Blobs are not read.
    /// </summary>
    public List<(string Id, ObjectId Blob)> ReadNotes(Commit tip, string notesRef, List<VerifyProblem>? problems)
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

            foreach (var entry in Repo.Lookup<Tree>(treeId))
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

    public void ResetIndex()
    {
        ById.Clear();
        Order.Clear();
        NotesTips.Clear();
        Best = null;
        BestBefore = null;
        ManifestId = null;
        Last = null;
    }

    /// <summary>Points a ref at an id, clearing a lock file left by a writer that died (we hold the run lock).</summary>
    public void UpdateRef(string name, ObjectId id)
    {
        try
        {
            Repo.Refs.Add(name, id, allowOverwrite: true);
        }
        catch (LockedFileException)
        {
            File.Delete(System.IO.Path.Combine(Repo.Info.Path, name + ".lock"));
            Repo.Refs.Add(name, id, allowOverwrite: true);
        }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (!Disposed)
            {
                Disposed = true;
                Repo.Dispose();
                Durable.CloseSync(_syncFd);
            }
        }
    }
}

/// <summary>One variant as the journal records it, with what its notes add.</summary>
internal sealed class RunEntry(string id, string? parent, int generation, long sequence, VariantStatus status)
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
