using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Hyperagents.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Hyperagents.Compiler;

/// <summary>Options of an <see cref="AgentCompiler"/>.</summary>
public sealed record AgentCompilerOptions
{
    /// <summary>The gate policy file.</summary>
    /// <value>Default <see langword="null"/>: <see cref="GatePolicy.FindDefaultPath()"/> (next to the compiler assembly, else
    /// <c>sandbox/policy.txt</c> of the repository).</value>
    public string? PolicyPath { get; init; }

    /// <summary>How many parsed files the syntax-tree cache keeps.</summary>
    /// <value>Default 4,096; between 0 (no cache) and 1,000,000.</value>
    public int SyntaxTreeCacheCapacity { get; init; } = 4096;

    /// <summary>Compile in worker processes bounded in memory instead of in this process.</summary>
    /// <value>Default <see langword="null"/>: compile in this process, bounded in time by the caller's cancellation only.
    /// Hosts that compile agent code set it (the CLI always does).</value>
    public CompileWorkerOptions? Worker { get; init; }

    /// <summary>Test seam: skip the source half of the gate, so the IL scan can be tested on its own.</summary>
    internal bool SkipSymbolGate { get; init; }

    /// <summary>Test seam: compile with <c>unsafe</c> allowed, to produce images the IL scan must reject.</summary>
    internal bool AllowUnsafe { get; init; }
}

/// <summary>The result of compiling and gating one hyperagent.</summary>
/// <param name="Report">Success and diagnostics (compiler errors, gate violations, entry-point problems).</param>
/// <param name="Agent">The compiled image when <see cref="CompileReport.Success"/>, else <see langword="null"/>.</param>
/// <param name="EntryPoints">The entry points found when <see cref="CompileReport.Success"/>, else <see langword="null"/>.</param>
public sealed record CompileResult(CompileReport Report, CompiledAgent? Agent, AgentEntryPoints? EntryPoints)
{
    /// <summary>Whether the agent compiled, passed the gate and has both entry points.</summary>
    public bool Success => Report.Success;
}

/// <summary>Compiles a hyperagent with Roslyn against the host's reference set, runs the capability gate (source
/// operations and symbols, then the emitted IL) and validates the entry points from metadata. Thread-safe and meant to
/// be reused: parsed files are cached by content, so a child that shares most files with its parent parses only what
/// changed.</summary>
/// <remarks>
/// Emission is deterministic: equal sources give byte-identical images (regular parse options, no script directives,
/// <c>unsafe</c> off, no analyzers or generators, release optimisation, an assembly name derived from the source hash,
/// relative file paths, no PDB). Agent code is never loaded or run here.
/// <para>With <see cref="AgentCompilerOptions.Worker"/> the same pipeline runs in compile worker processes with a GC
/// heap hard limit: source that makes Roslyn allocate without bound (constant folding, huge initialisers, ...) is
/// rejected with <see cref="DiagnosticIds.CompileMemoryLimit"/> and costs this process nothing, and cancellation
/// kills the worker. Without it, Roslyn's allocations are this process's.</para>
/// </remarks>
public sealed class AgentCompiler : IDisposable
{
    /// <summary>Parse options: C# latest, regular (not script) documents, so <c>#r</c> and <c>#load</c> are errors.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular);

    /// <summary>The file name of the implicit global usings added to every agent.</summary>
    public const string GlobalUsingsPath = "<global-usings>.cs";

    /// <summary>The implicit global usings every agent compiles with.</summary>
    public const string GlobalUsingsText =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.Linq;\nglobal using System.Text;\nglobal using System.Threading.Tasks;\nglobal using Hyperagents;\n";

    private static readonly SyntaxTree GlobalUsings = CSharpSyntaxTree.ParseText(SourceText.From(GlobalUsingsText, Encoding.UTF8), ParseOptions, GlobalUsingsPath);

    private readonly AgentCompilerOptions _options;
    private readonly SyntaxTreeCache _cache;
    private readonly CSharpCompilationOptions _compilationOptions;
    private readonly CompileWorkers? _workers;

    /// <summary>Creates a compiler and loads its gate policy.</summary>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <exception cref="GatePolicyException">The policy is missing or malformed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of bounds.</exception>
    public AgentCompiler(AgentCompilerOptions? options = null)
    {
        _options = options ?? new AgentCompilerOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.SyntaxTreeCacheCapacity, nameof(AgentCompilerOptions.SyntaxTreeCacheCapacity));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.SyntaxTreeCacheCapacity, 1_000_000, nameof(AgentCompilerOptions.SyntaxTreeCacheCapacity));
        Policy = GatePolicy.Load(_options.PolicyPath ?? GatePolicy.FindDefaultPath());
        _cache = new SyntaxTreeCache(_options.SyntaxTreeCacheCapacity);
        _compilationOptions = CreateCompilationOptions(_options.AllowUnsafe);
        _workers = _options.Worker is null ? null : new CompileWorkers(_options.Worker);
    }

    /// <summary>An in-process compiler with a policy the host sent (the compile worker's own).</summary>
    internal AgentCompiler(GatePolicy policy)
    {
        _options = new AgentCompilerOptions();
        Policy = policy;
        _cache = new SyntaxTreeCache(_options.SyntaxTreeCacheCapacity);
        _compilationOptions = CreateCompilationOptions(allowUnsafe: false);
    }

    /// <summary>The gate policy in force.</summary>
    public GatePolicy Policy { get; }

    /// <summary>The gate-policy hash recorded in provenance (SHA-256 of the policy file).</summary>
    public string GatePolicyHash => Policy.Hash;

    /// <summary>How many compile worker processes this compiler started (0 when it compiles in process).</summary>
    public long WorkersStarted => _workers?.WorkersStarted ?? 0;

    /// <summary>How many files were served from this process's syntax-tree cache.</summary>
    public long SyntaxTreeCacheHits => _cache.Hits;

    /// <summary>How many files were parsed in this process.</summary>
    public long SyntaxTreeCacheMisses => _cache.Misses;

    /// <summary>The compilation options every agent compiles with (a library, release, deterministic, no unsafe).</summary>
    /// <param name="allowUnsafe">Only for tests of the IL scan.</param>
    public static CSharpCompilationOptions CreateCompilationOptions(bool allowUnsafe = false) =>
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithDeterministic(true)
            .WithAllowUnsafe(allowUnsafe)
            .WithNullableContextOptions(NullableContextOptions.Enable)
            .WithConcurrentBuild(false)
            .WithPlatform(Platform.AnyCpu)
            .WithGeneralDiagnosticOption(ReportDiagnostic.Default)
            .WithSpecificDiagnosticOptions(ImmutableDictionary<string, ReportDiagnostic>.Empty)
            .WithSyntaxTreeOptionsProvider(null)
            .WithMetadataImportOptions(MetadataImportOptions.Public);

    /// <summary>The assembly name of an agent: derived from its source hash, so equal sources give equal images.</summary>
    /// <param name="source">The source.</param>
    public static string AssemblyNameOf(AgentSource source) => "Agent_" + source.ContentHash[..16];

    /// <summary>Compiles, gates and validates an agent. Never throws for bad agent code: problems are diagnostics.</summary>
    /// <param name="source">The agent's files.</param>
    /// <param name="cancellationToken">Stops the compile.</param>
    /// <remarks>Runs on a thread with a large stack, after refusing sources nested deeper than Roslyn can safely recurse
    /// (<see cref="DiagnosticIds.TooDeeplyNested"/>): a stack overflow would end the process. With
    /// <see cref="AgentCompilerOptions.Worker"/> that process is a compile worker.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">No compile worker could be started (the message says how to fix
    /// <see cref="CompileWorkerOptions.Launch"/>).</exception>
    public CompileResult Compile(AgentSource source, CancellationToken cancellationToken = default) => Compile(source, meter: null, cancellationToken);

    /// <summary>Compiles as <see cref="Compile(AgentSource, CancellationToken)"/>, binding <paramref name="meter"/> to the
    /// CPU clock of the process that does the work (a compile worker's, else this one's).</summary>
    internal CompileResult Compile(AgentSource source, CompileMeter? meter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (_workers is not null)
        {
            return _workers.Compile(source, Policy, meter, cancellationToken);
        }

        meter?.Bind(CompileMeter.ProcessCpu);

        var tooDeep = new DiagnosticCollector();
        foreach (var (path, content) in source.CSharpFiles)
        {
            if (DeepStack.TooDeep(content) is { } line)
            {
                tooDeep.Add(DiagnosticIds.TooDeeplyNested, path, line, 1, "nesting",
                    $"Brackets nest more than {DeepStack.MaxNesting} levels deep here; split the expression or data into smaller pieces.");
            }
        }

        if (tooDeep.Items.Count > 0)
        {
            return new CompileResult(new CompileReport(false, tooDeep.Items), null, null);
        }

        return DeepStack.Run(() => CompileOnDeepStack(source, cancellationToken), cancellationToken);
    }

    private CompileResult CompileOnDeepStack(AgentSource source, CancellationToken cancellationToken)
    {
        var sink = new DiagnosticCollector();
        var trees = new List<SyntaxTree>();
        foreach (var (path, content) in source.CSharpFiles)
        {
            trees.Add(_cache.GetOrParse(path, content, cancellationToken));
        }

        CheckDirectives(trees, sink);
        trees.Add(GlobalUsings);
        var compilation = CSharpCompilation.Create(AssemblyNameOf(source), trees, AgentReferences.All, _compilationOptions);

        // The source half of the gate binds every body through semantic models while Emit binds them again for code
        // generation; the two are independent, so they run side by side.
        var gateSink = new DiagnosticCollector();
        Exception? gateError = null;
        var gate = _options.SkipSymbolGate ? null : new Thread(() =>
        {
            try
            {
                new SymbolGate(compilation, Policy, gateSink).Run(cancellationToken);
            }
            catch (Exception ex)
            {
                gateError = ex;
            }
        }, DeepStack.StackBytes) { IsBackground = true, Name = "hyperagents-gate" };
        gate?.Start();
        using var peStream = new MemoryStream();
        var emit = compilation.Emit(peStream, options: EmitOptions, cancellationToken: cancellationToken);
        foreach (var diagnostic in emit.Diagnostics)
        {
            // Suppressions are irrelevant here: compiler errors cannot be suppressed, and the gate is not a diagnostic
            // source Roslyn knows about.
            if (diagnostic.Severity == DiagnosticSeverity.Error)
            {
                sink.Add(diagnostic);
            }
        }

        gate?.Join();
        if (gateError is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(gateError);
        }

        var sourceViolations = gateSink.Items.Count;
        sink.AddRange(gateSink);

        AgentEntryPoints? entryPoints = null;
        CompiledAgent? agent = null;
        if (emit.Success)
        {
            var image = peStream.ToArray();
            var locator = new SourceLocator(compilation);
            // The IL scan is the backstop for what the source walk cannot see; when the walk already rejected the agent,
            // its findings would only repeat the same symbols, so they are checked but not reported.
            var ilSink = sourceViolations == 0 ? sink : new DiagnosticCollector();
            IlScanner.Scan(image, Policy, ilSink, locator.Locate);
            entryPoints = EntryPointReader.Read(image, sink, locator.Locate);
            agent = new CompiledAgent(Convert.ToHexStringLower(SHA256.HashData(image)), compilation.AssemblyName!, image);
        }

        var diagnostics = sink.Items;
        var success = emit.Success && diagnostics.Count == 0 && entryPoints is not null;
        return new CompileResult(new CompileReport(success, diagnostics), success ? agent : null, success ? entryPoints : null);
    }

    /// <summary>Compiles and gates the last submission of a script chain (<see cref="ScriptCompiler"/>), in a compile
    /// worker when <see cref="AgentCompilerOptions.Worker"/> is set. Never throws for bad code.</summary>
    /// <param name="source">The chain.</param>
    /// <param name="cancellationToken">Stops the compile.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ScriptCompileResult CompileScript(ScriptSource source, CancellationToken cancellationToken = default) => CompileScript(source, meter: null, cancellationToken);

    /// <summary>Compiles as <see cref="CompileScript(ScriptSource, CancellationToken)"/>, binding <paramref name="meter"/>
    /// to the CPU clock of the process that does the work (a compile worker's, else this one's).</summary>
    internal ScriptCompileResult CompileScript(ScriptSource source, CompileMeter? meter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (ScriptCompiler.Precheck(source) is { } problem)
        {
            return new ScriptCompileResult(new CompileReport(false, [problem]), null, false);
        }

        if (_workers is not null)
        {
            return _workers.CompileScript(source, Policy, meter, cancellationToken);
        }

        meter?.Bind(CompileMeter.ProcessCpu);
        return ScriptCompiler.Compile(source, Policy, cancellationToken);
    }

    /// <summary>Ends this compiler's worker processes, if any.</summary>
    public void Dispose() => _workers?.Dispose();

    internal static EmitOptions EmitOptions { get; } = new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb)
        .WithIncludePrivateMembers(true);

    private static void CheckDirectives(List<SyntaxTree> trees, DiagnosticCollector sink)
    {
        foreach (var tree in trees)
        {
            var root = tree.GetRoot();
            if (!root.ContainsDirectives)
            {
                continue;
            }

            foreach (var trivia in root.DescendantTrivia(descendIntoTrivia: true))
            {
                if (trivia.IsKind(SyntaxKind.ReferenceDirectiveTrivia) || trivia.IsKind(SyntaxKind.LoadDirectiveTrivia))
                {
                    var text = trivia.ToString().Trim();
                    sink.Add(DiagnosticIds.ScriptDirective, trivia.GetLocation(), text,
                        $"'{text}' is not allowed: agents compile against the host's fixed reference set and their own files only; remove the directive.");
                }
            }

            // Also catch the shapes the regular parser turns into bad directives ("#r" is only a directive in scripts).
            foreach (var directive in root.DescendantNodes(descendIntoTrivia: true).OfType<BadDirectiveTriviaSyntax>())
            {
                var text = directive.ToString().Trim();
                if (text.StartsWith("#r", StringComparison.Ordinal) || text.StartsWith("#load", StringComparison.Ordinal))
                {
                    sink.Add(DiagnosticIds.ScriptDirective, directive.GetLocation(), text,
                        $"'{text}' is not allowed: agents compile against the host's fixed reference set and their own files only; remove the directive.");
                }
            }
        }
    }
}

/// <summary>Maps metadata names back to source lines for diagnostics found in the emitted image.</summary>
internal sealed class SourceLocator
{
    private readonly CSharpCompilation _compilation;

    public SourceLocator(CSharpCompilation compilation) => _compilation = compilation;

    public (string File, int Line) Locate(string typeName, string methodName)
    {
        // Compiler-generated names look like "<SolveTask>d__0" or "<SolveTask>b__0_0"; map them to the user member.
        var parts = typeName.Split('+');
        for (var count = parts.Length; count >= 1; count--)
        {
            var metadataName = string.Join('+', parts.Take(count));
            if (_compilation.GetTypeByMetadataName(metadataName) is not { } type)
            {
                continue;
            }

            var candidates = new[] { methodName }.Concat(parts.Skip(count).Select(UserName)).Append(UserName(methodName));
            foreach (var name in candidates)
            {
                if (name.Length > 0 && type.GetMembers(name).SelectMany(m => m.Locations).FirstOrDefault(l => l.IsInSource) is { } memberLocation)
                {
                    var (file, line, _) = DiagnosticCollector.Position(memberLocation);
                    return (file, line);
                }
            }

            if (type.Locations.FirstOrDefault(l => l.IsInSource) is { } typeLocation)
            {
                var (file, line, _) = DiagnosticCollector.Position(typeLocation);
                return (file, line);
            }
        }

        return ("(emitted IL)", 0);
    }

    private static string UserName(string generated)
    {
        var open = generated.IndexOf('<', StringComparison.Ordinal);
        var close = generated.IndexOf('>', StringComparison.Ordinal);
        return open == 0 && close > 1 ? generated[1..close] : "";
    }
}

/// <summary>A bounded, thread-safe cache of parsed files keyed by path and content hash (least recently used out).</summary>
internal sealed class SyntaxTreeCache
{
    private readonly int _capacity;
    private readonly Dictionary<string, LinkedListNode<(string Key, SyntaxTree Tree)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, SyntaxTree Tree)> _order = new();
    private readonly Lock _gate = new();
    private long _hits;
    private long _misses;

    public SyntaxTreeCache(int capacity) => _capacity = capacity;

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public SyntaxTree GetOrParse(string path, string content, CancellationToken cancellationToken)
    {
        var key = Key(path, content);
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                Interlocked.Increment(ref _hits);
                return node.Value.Tree;
            }
        }

        Interlocked.Increment(ref _misses);
        var tree = CSharpSyntaxTree.ParseText(SourceText.From(content, Encoding.UTF8, SourceHashAlgorithm.Sha256), AgentCompiler.ParseOptions, path, cancellationToken);
        if (_capacity == 0)
        {
            return tree;
        }

        lock (_gate)
        {
            if (_map.TryGetValue(key, out var existing))
            {
                return existing.Value.Tree;
            }

            _map[key] = _order.AddFirst((key, tree));
            while (_map.Count > _capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
            }
        }

        return tree;
    }

    private static string Key(string path, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0" + content);
        return Convert.ToHexString(SHA256.HashData(bytes));
    }
}
