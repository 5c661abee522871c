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
public sealed class ArchiveRun : IDisposable
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

    /// <summary>The folder of the root commit that holds domain packages, one sub-folder per package hash.</summary>
    public const string DomainPackageFolder = AgentPaths.Reserved + "/domain";

    private readonly RunState _state;
    private readonly RunReader _reader;
    private readonly RunWriter _writer;
    private readonly RunVerifier _verifier;
    private readonly RunRecovery _recovery;

    private ArchiveRun(RunState state)
    {
        _state = state;
        _reader = new RunReader(state);
        _verifier = new RunVerifier(state);
        _recovery = new RunRecovery(state, _verifier);
        _writer = new RunWriter(state, _verifier, _recovery);
    }

    /// <summary>The run's folder (a bare git repository).</summary>
    public string Path => _state.Path;

    /// <summary>The id of the root commit, which holds the manifest.</summary>
    public string ManifestId
    {
        get
        {
            lock (_state.Gate)
            {
                return _state.RequireManifestId();
            }
        }
    }

    /// <summary>The hash-chain head of the run's journal, for anchoring outside the run.</summary>
    public string JournalHead
    {
        get
        {
            lock (_state.Gate)
            {
                _state.Refresh();
                return _state.Journal.Head;
            }
        }
    }

    /// <summary>Creates a run: a bare repository at <paramref name="path"/> whose root commit holds the manifest.</summary>
    /// <param name="path">The folder; it must not exist or be empty.</param>
    /// <param name="manifest">The manifest.</param>
    /// <param name="options">Write options; <see cref="ArchiveOptions.Default"/> when <see langword="null"/>.</param>
    /// <param name="domainPackage">The files of the run's domain package, stored in the root commit under
    /// <see cref="DomainPackageFolder"/>/&lt;hex of <see cref="RunManifest.DomainPackage"/>&gt;/, so the run keeps its
    /// evaluator whatever becomes of the user's folder; requires <see cref="RunManifest.DomainPackage"/>.</param>
    /// <returns>The open run.</returns>
    /// <exception cref="ArchiveException">The folder already holds something.</exception>
    public static ArchiveRun Create(string path, RunManifest manifest, ArchiveOptions? options = null, IReadOnlyDictionary<string, byte[]>? domainPackage = null)
    {
        options ??= ArchiveOptions.Default;
        return Open(RunWriter.Create(path, manifest, options, domainPackage), options);
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

        var run = new ArchiveRun(new RunState(path, options));
        try
        {
            if (run._state.Repo.Refs[ManifestRef] is null)
            {
                throw new ArchiveException($"'{path}' is a git repository but not a Hyperagents run (no {ManifestRef}).");
            }

            run._recovery.Reconcile();
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>Reads the manifest from the root commit.</summary>
    public RunManifest ReadManifest() => _state.ReadManifest();

    /// <summary>The files of the run's domain package as archived, or <see langword="null"/> when the run uses a
    /// built-in domain.</summary>
    /// <exception cref="ArchiveException">The manifest names a package the root commit does not hold.</exception>
    public IReadOnlyDictionary<string, byte[]>? ReadDomainPackage() => RunDomainPackage.Read(_state);

    /// <summary>Adds a variant: writes its files, provenance and transcript as one commit whose parent is its parent variant.</summary>
    /// <param name="variant">The files and what is known about the attempt.</param>
    /// <returns>The variant id (the commit id). When this returns, the variant is durable.</returns>
    /// <exception cref="ArchiveException">A path is refused, the parent is unknown, or a second seed is added.</exception>
    public string AddVariant(NewVariant variant) => _writer.AddVariant(variant);

    /// <summary>Attaches an evaluation to a variant as a git note; earlier evaluations are kept, the id never changes.</summary>
    /// <param name="variantId">The variant's full id.</param>
    /// <param name="evaluation">The evaluation.</param>
    /// <exception cref="ArchiveException">The variant is unknown.</exception>
    public void AttachEvaluation(string variantId, Evaluation evaluation) => _writer.AttachEvaluation(variantId, evaluation);

    /// <summary>Marks a variant as an invalid parent (its ModifySelf failed): an append-only note, never removed.</summary>
    /// <param name="variantId">The variant's full id.</param>
    /// <param name="reason">Why.</param>
    public void MarkInvalidParent(string variantId, string reason) => _writer.MarkInvalidParent(variantId, reason);

    /// <summary>Moves <c>best</c> to an accepted variant.</summary>
    /// <param name="variantId">The variant's full id.</param>
    /// <param name="score">The score the caller ranked it by (recorded in the journal).</param>
    /// <exception cref="ArchiveException">The variant is unknown or not accepted.</exception>
    public void SetBest(string variantId, double score) => _writer.SetBest(variantId, score);

    /// <summary>Every variant in the order it was added, with its latest scores and children count.</summary>
    public IReadOnlyList<VariantSummary> ListVariants() => _reader.ListVariants();

    /// <summary>One variant's summary.</summary>
    /// <param name="variantId">Its full id.</param>
    /// <exception cref="ArchiveException">Unknown variant.</exception>
    public VariantSummary GetVariant(string variantId) => _reader.GetVariant(variantId);

    /// <summary>The best variant's id, or <see langword="null"/> when none was set.</summary>
    public string? Best => _reader.Best;

    /// <summary>Finds a variant by full id, unique prefix (4+ hex digits), <c>best</c>, <c>seed</c> or <c>latest</c>.</summary>
    /// <param name="idOrPrefix">What the user typed.</param>
    /// <returns>The full id.</returns>
    /// <exception cref="ArchiveException">No or several variants match.</exception>
    public string Resolve(string idOrPrefix) => _reader.Resolve(idOrPrefix);

    /// <summary>The variant and its ancestors, nearest first, ending with the seed.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<VariantSummary> GetLineage(string variantId) => _reader.GetLineage(variantId);

    /// <summary>The ids of a variant's children, in the order they were added.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<string> GetChildren(string variantId) => _reader.GetChildren(variantId);

    /// <summary>The agent's files of a variant, by relative path.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyDictionary<string, string> GetFiles(string variantId) => _reader.GetFiles(variantId);

    /// <summary>The change from the parent variant, one unified diff per file (against nothing for the seed).</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<FileDiff> GetDiff(string variantId) => _reader.GetDiff(variantId);

    /// <summary>Reads a variant's provenance.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public Provenance ReadProvenance(string variantId) => _reader.ReadProvenance(variantId);

    /// <summary>Reads a variant's transcript (JSON lines), or <see langword="null"/> when it has none.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public string? ReadTranscript(string variantId) => _reader.ReadTranscript(variantId);

    /// <summary>Every evaluation attached to a variant, oldest first.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<Evaluation> GetEvaluations(string variantId) => _reader.GetEvaluations(variantId);

    /// <summary>Every mark on a variant, oldest first.</summary>
    /// <param name="variantId">The variant's full id.</param>
    public IReadOnlyList<VariantMark> GetMarks(string variantId) => _reader.GetMarks(variantId);

    /// <summary>The public key every commit of this run must be signed with, or <see langword="null"/> for an unsigned run.</summary>
    public string? SigningKey => _state.SigningKey;

    /// <summary>
    /// What the cheap integrity check found when the run was opened (or its journal rebuilt): the journal missing,
    /// damaged or truncated; <c>manifest</c>, <c>best</c>, the notes refs and the variant refs against the journal;
    /// the commits those refs name present. Empty when nothing was found; <see cref="Verify"/> checks everything.
    /// </summary>
    public IReadOnlyList<VerifyProblem> IntegrityProblems => _verifier.IntegrityProblems;

    /// <summary>Refuses, before any work is done, to write on top of a run that fails the cheap integrity check.</summary>
    /// <exception cref="ArchiveException">The run fails it; the message says what was found and how to proceed.</exception>
    public void EnsureWritable() => _verifier.EnsureWritable();

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
    public VerifyReport Verify(string? trustedSigningKey = null, string? expectedHead = null) => _verifier.Verify(trustedSigningKey, expectedHead);

    /// <summary>
    /// Replaces the run's journal with one derived from git as it is now: variant refs and their ancestry, provenance,
    /// notes, best. Use it only when git is trusted as it stands (a <c>git clone --mirror</c> you made, or after
    /// checking the history): it makes whatever git holds the acknowledged record. The previous journal, if any, is
    /// kept beside it as <c>journal.replaced-&lt;UTC time&gt;</c>.
    /// </summary>
    /// <returns>The kept copy of the previous journal, or <see langword="null"/> when there was none.</returns>
    public string? RebuildJournal() => _recovery.RebuildJournal();

    /// <inheritdoc/>
    public void Dispose() => _state.Dispose();
}
