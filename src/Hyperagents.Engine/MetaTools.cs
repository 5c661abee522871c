using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;

namespace Hyperagents.Engine;

/// <summary>The host tools behind a meta agent's session: compile and try-evaluate its workspace, mutate files, and read
/// its lineage — with train-split evidence only (val and test never reach agents).</summary>
internal sealed class MetaTools : IMetaTools
{
    private const int DiffCap = 8 * 1024;

    /// <summary>The file name a snippet's diagnostics carry.</summary>
    public const string SnippetFile = "snippet";

    /// <summary>A snippet's deadline (a task's, when that is shorter): 20 snippets cost at most a few minutes.</summary>
    public static readonly TimeSpan DefaultSnippetWallClock = TimeSpan.FromSeconds(10);

    private readonly AgentCompiler _compiler;
    private readonly TaskEvaluator _evaluator;
    private readonly Func<int, IReadOnlyList<LineageEntry>> _lineage;
    private readonly ulong _seed;
    private readonly CancellationToken _runCancellation;
    private readonly TimeSpan _snippetWallClock;
    private readonly TimeSpan _compileTimeout;
    private readonly List<(string Code, byte[] Image)> _chain = [];
    private readonly SemaphoreSlim _chainGate = new(1, 1);

    public MetaTools(AgentCompiler compiler, TaskEvaluator evaluator, ArchiveRun archive, string variantId, ulong seed, CancellationToken runCancellation,
        TimeSpan? snippetWallClock = null, TimeSpan? compileTimeout = null)
        : this(compiler, evaluator, max => LineageOf(archive, variantId, max), seed, runCancellation, snippetWallClock, compileTimeout)
    {
    }

    /// <summary>Tools whose lineage comes from <paramref name="lineage"/> (given the most ancestors wanted): a node
    /// has the lineage the orchestrator sent, not the archive.</summary>
    public MetaTools(AgentCompiler compiler, TaskEvaluator evaluator, Func<int, IReadOnlyList<LineageEntry>> lineage, ulong seed, CancellationToken runCancellation,
        TimeSpan? snippetWallClock = null, TimeSpan? compileTimeout = null)
    {
        _snippetWallClock = snippetWallClock ?? DefaultSnippetWallClock;
        _compileTimeout = compileTimeout ?? TimeSpan.FromSeconds(60);
        _compiler = compiler;
        _evaluator = evaluator;
        _lineage = lineage;
        _seed = seed;
        _runCancellation = runCancellation;
    }

    public CompileReport Compile(IReadOnlyDictionary<string, string> files) => CompileFiles(files, _compileTimeout, _runCancellation).Report;

    public async Task<EvaluationReport> EvaluateAsync(IReadOnlyDictionary<string, string> files, int maxTasks, CancellationToken cancellationToken)
    {
        var compiled = CompileFiles(files, _compileTimeout, cancellationToken);
        if (!compiled.Success || compiled.Agent is null)
        {
            return new EvaluationReport(0, [], compiled.Report);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _runCancellation);
        var tasks = _evaluator.Domain.GetTasks(Split.Train).Take(maxTasks).ToList();
        var draws = tasks.Select(t => new TaskDraw(t, 0, Seeds.Try(_seed, t.Id))).ToList();
        var results = await _evaluator.EvaluateDrawsAsync(compiled.Agent, draws, linked.Token).ConfigureAwait(false);
        return new EvaluationReport(
            results.Count == 0 ? 0 : results.Average(r => r.Score),
            results.Select(r => new TaskFeedback(r.TaskId, r.Outcome, r.Score, r.Feedback)).ToList(),
            compiled.Report);
    }

    /// <summary>Runs a scratchpad snippet as the next submission of this session's script chain: compiled and gated
    /// like agent code (<see cref="ScriptCompiler"/>), then run with every earlier submission in a fresh isolate of the
    /// run's runner (<see cref="ScriptBundle"/>). A snippet that did not complete is not kept in the chain.</summary>
    public async Task<SnippetReport> RunSnippetAsync(string code, CancellationToken cancellationToken)
    {
        await _chainGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var source = new ScriptSource([.. _chain.Select(c => c.Code), code ?? string.Empty], [], [], SnippetFile);

            // Compiling is bounded too (the same mechanism as every host compile): the snippet's deadline in CPU time.
            using var linkedCompile = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _runCancellation);
            var compiled = _compiler.CompileScriptWithin(source, _snippetWallClock, linkedCompile.Token);
            if (compiled.Report.Diagnostics.FirstOrDefault(d => d.Id == DiagnosticIds.CompileTimeout) is { } timeout)
            {
                // The compile's own message: CPU time the snippet's code used up, or a machine too busy to compile it.
                return Rejected("compile-timeout", [new CompileDiagnostic(SnippetFile, 1, 1, DiagnosticIds.SnippetCompileTimeout, timeout.Message)]);
            }

            if (!compiled.Report.Success || compiled.Image is null)
            {
                return Rejected("rejected", compiled.Report.Diagnostics);
            }

            var bundle = ScriptBundle.Pack([], [.. _chain.Select(c => c.Image), compiled.Image]);
            var agent = new Hyperagents.Hosting.CompiledAgent(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bundle)), "snippet", bundle);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _runCancellation);
            // One seed for the session: earlier submissions run again with the draws they had.
            var seed = Seeds.Mix(_seed, "snippet-session");
            var (outcome, log) = await _evaluator.RunSnippetAsync(agent, seed, _snippetWallClock, linked.Token).ConfigureAwait(false);
            if (outcome.IsCompleted)
            {
                _chain.Add((code!, compiled.Image));
            }

            var detail = outcome.IsCompleted ? null : outcome.ExceptionType is null ? outcome.Detail : $"{outcome.ExceptionType}: {outcome.Detail}";
            var output = string.Join('\n', log.Append(outcome.Output ?? string.Empty).Where(line => line.Length > 0));
            var value = outcome.IsCompleted ? (compiled.HasValue ? Cap(outcome.Answer ?? string.Empty) : string.Empty) : null;
            return new SnippetReport(outcome.Label, value, detail, Cap(output), [], outcome.FuelConsumed, outcome.Elapsed.TotalMilliseconds);
        }
        finally
        {
            _chainGate.Release();
        }

        static SnippetReport Rejected(string outcome, IReadOnlyList<CompileDiagnostic> diagnostics) =>
            new(outcome, null, "the snippet did not compile or failed the capability gate", string.Empty, diagnostics, null, 0);

        static string Cap(string text) => text.Length <= ScriptBundle.MaxValueChars ? text : text[..ScriptBundle.MaxValueChars] + $"…[{text.Length - ScriptBundle.MaxValueChars:N0} more characters]";
    }

    public IReadOnlyList<MutationSite> GetSites(string code) => MutationEngine.GetSites(code);

    public (string Code, MutationReport Report) Mutate(string code, MutationRequest request) => MutationEngine.Mutate(code, request);

    public IReadOnlyList<LineageEntry> GetLineage(int maxAncestors) => _lineage(maxAncestors);

    /// <summary>A variant's lineage as a meta agent reads it: the variant, then its ancestors (at most
    /// <paramref name="maxAncestors"/>), each with its train evidence and its diff from its parent.</summary>
    public static IReadOnlyList<LineageEntry> LineageOf(ArchiveRun archive, string variantId, int maxAncestors)
    {
        var entries = new List<LineageEntry>();
        string? id = variantId;
        while (id is not null && entries.Count <= maxAncestors)
        {
            var summary = archive.GetVariant(id);
            var train = archive.GetEvaluations(id)
                .Select(e => e.Splits.TryGetValue(SplitNames.Train, out var s) ? s : e.Splits.GetValueOrDefault(SplitNames.Staged))
                .LastOrDefault(s => s is not null);
            var diffs = archive.GetDiff(id);
            var diff = string.Join("\n", diffs.Select(d => d.Patch));
            if (diff.Length > DiffCap)
            {
                diff = diff[..DiffCap] + "\n…(diff truncated)";
            }

            entries.Add(new LineageEntry(
                summary.Id,
                summary.Parent,
                summary.Generation,
                train?.Score,
                summary.Status.ToString(),
                diffs.Select(d => d.Path).ToList(),
                diff,
                train?.Tasks.Select(t => new TaskFeedback(t.Task, t.Outcome, t.Score, t.Feedback ?? string.Empty)).ToList() ?? []));
            id = summary.Parent;
        }

        return entries;
    }

    /// <summary>Compiles a file set (workspace, snippet) within <paramref name="timeout"/>, like the loop's own compiles.</summary>
    private CompileResult CompileFiles(IReadOnlyDictionary<string, string> files, TimeSpan timeout, CancellationToken cancellationToken) =>
        _compiler.CompileFiles(files, timeout, cancellationToken);
}

/// <summary>The split names used in evaluations stored in the archive.</summary>
public static class SplitNames
{
    /// <summary>The staged subset of the training split, run first.</summary>
    public const string Staged = "staged";
    /// <summary>The training split.</summary>
    public const string Train = "train";
    /// <summary>The validation split (parent selection).</summary>
    public const string Val = "val";
    /// <summary>The held-out test split.</summary>
    public const string Test = "test";

    /// <summary>The archive name of a domain split.</summary>
    /// <param name="split">The split.</param>
    public static string Of(Split split) => split switch
    {
        Split.Train => Train,
        Split.Val => Val,
        _ => Test,
    };
}
