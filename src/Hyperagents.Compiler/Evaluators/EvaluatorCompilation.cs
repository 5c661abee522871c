using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Hyperagents.Evaluators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Hyperagents.Compiler;

/// <summary>Compiles a domain package's evaluator under the evaluator policy (<c>sandbox/evaluator-policy.txt</c>):
/// the same Roslyn pipeline and gate as agent code (source walk, emitted-IL scan), another reference set and policy.</summary>
internal static class EvaluatorCompilation
{
    /// <summary>The evaluator policy's file name, found where the agent policy is.</summary>
    public const string PolicyFileName = "evaluator-policy.txt";

    private const string GlobalUsingsText =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.Linq;\nglobal using System.Text;\nglobal using System.Text.Json;\nglobal using Hyperagents.Evaluators;\n";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        [.. AgentReferences.Bcl, MetadataReference.CreateFromFile(typeof(IEvaluator).Assembly.Location)]);

    /// <summary>Loads the shipped evaluator policy.</summary>
    /// <exception cref="GatePolicyException">It is missing or malformed.</exception>
    public static GatePolicy LoadPolicy() => GatePolicy.Load(GatePolicy.FindDefaultPath(PolicyFileName));

    /// <summary>The name of the assembly compiled from <paramref name="sources"/>: <c>Evaluator_</c> and 16 hex digits of
    /// their hash (the cache checks an entry's image against it).</summary>
    /// <param name="sources">Package path to C# text.</param>
    public static string AssemblyName(IReadOnlyDictionary<string, string> sources) =>
        "Evaluator_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', sources.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key + "\0" + s.Value)))))[..16];

    /// <summary>Compiles and gates the evaluator. Never throws for bad evaluator code.</summary>
    /// <param name="sources">Package path to C# text.</param>
    /// <param name="policy">The evaluator policy.</param>
    /// <returns>The image, or the problems (at most 20).</returns>
    public static (byte[]? Image, IReadOnlyList<CompileDiagnostic> Problems) Compile(IReadOnlyDictionary<string, string> sources, GatePolicy policy)
    {
        // The user's evaluator goes through Roslyn as agent code does: too-deep nesting refused before any parse (an
        // unguarded recursion in the parser would end the worker with a stack overflow), the rest on a large stack.
        var tooDeep = new DiagnosticCollector();
        foreach (var (path, text) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (DeepStack.TooDeep(text) is { } line)
            {
                tooDeep.Add(DiagnosticIds.TooDeeplyNested, path, line, 1, "nesting",
                    $"Brackets nest more than {DeepStack.MaxNesting} levels deep here; split the expression or data into smaller pieces.");
            }
        }

        return tooDeep.Items.Count > 0 ? (null, tooDeep.Items.Take(20).ToList()) : DeepStack.Run(() => CompileOnDeepStack(sources, policy));
    }

    private static (byte[]? Image, IReadOnlyList<CompileDiagnostic> Problems) CompileOnDeepStack(IReadOnlyDictionary<string, string> sources, GatePolicy policy)
    {
        var trees = sources.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => CSharpSyntaxTree.ParseText(SourceText.From(s.Value, Encoding.UTF8), AgentCompiler.ParseOptions, s.Key))
            .Append(CSharpSyntaxTree.ParseText(SourceText.From(GlobalUsingsText, Encoding.UTF8), AgentCompiler.ParseOptions, "<evaluator-usings>.cs"))
            .ToList();
        var compilation = CSharpCompilation.Create(AssemblyName(sources), trees, References.Value, AgentCompiler.CreateCompilationOptions());
        var sink = new DiagnosticCollector();
        new SymbolGate(compilation, policy, sink).Run(CancellationToken.None);
        using var pe = new MemoryStream();
        var emit = compilation.Emit(pe, options: AgentCompiler.EmitOptions);
        foreach (var diagnostic in emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            sink.Add(diagnostic);
        }

        byte[]? image = null;
        if (emit.Success)
        {
            image = pe.ToArray();
            if (sink.Items.Count == 0)
            {
                IlScanner.Scan(image, policy, sink, (_, _) => ("(emitted IL)", 0));
            }
        }

        return sink.Items.Count == 0 && image is not null ? (image, []) : (null, sink.Items.Take(20).ToList());
    }
}
