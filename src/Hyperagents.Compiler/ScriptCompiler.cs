using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using System.Text;
using Hyperagents.Transport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace Hyperagents.Compiler;

/// <summary>A chain of C# script submissions to compile: every earlier submission (already compiled and gated) and the
/// new one, last.</summary>
/// <param name="Submissions">The submissions' text, first to last; the last is the one compiled.</param>
/// <param name="Libraries">Agent images the submissions see (an agent's own assembly), already gated.</param>
/// <param name="Imports">Namespaces and types imported into every submission (types as <c>using static</c>).</param>
/// <param name="FilePath">The file name diagnostics of the last submission carry.</param>
public sealed record ScriptSource(IReadOnlyList<string> Submissions, IReadOnlyList<byte[]> Libraries, IReadOnlyList<string> Imports, string FilePath);

/// <summary>The last submission of a chain, compiled and gated.</summary>
/// <param name="Report">Success and diagnostics (with the submission's own line and column).</param>
/// <param name="Image">The submission's assembly when <see cref="CompileReport.Success"/>.</param>
/// <param name="HasValue">Whether the submission ends in an expression with a value (not a <c>void</c> call).</param>
public sealed record ScriptCompileResult(CompileReport Report, byte[]? Image, bool HasValue);

/// <summary>Script submissions (the meta agent's scratchpad, <c>hyperagents repl</c>) built with Roslyn's Scripting API
/// (<c>CSharpScript.Create</c>, <c>ContinueWith</c>,
/// <see cref="Script.GetCompilation"/>): C# script syntax, a trailing expression as the value, and each submission seeing
/// the variables, methods and types of the ones before it. The compilation is then treated like any agent's: the host's
/// reference set and compile options, the capability gate on its operations and on its emitted IL, a deterministic
/// image. Nothing is run here: the chain runs where agent code runs (<see cref="ScriptBundle"/>), never through the
/// Scripting API's own runner, which would run it in this process.</summary>
public static class ScriptCompiler
{
    /// <summary>The largest submission accepted, in characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>The most submissions one chain holds.</summary>
    public const int MaxSubmissions = 200;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    /// <summary>The usings every submission starts with: those of agents (<see cref="AgentCompiler.GlobalUsingsText"/>).</summary>
    public static IReadOnlyList<string> DefaultImports { get; } =
        ["System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks", "Hyperagents"];

    /// <summary>Whether a text is a complete submission (Roslyn's <see cref="SyntaxFactory.IsCompleteSubmission"/>):
    /// the REPL reads lines until it is.</summary>
    /// <param name="text">The text read so far.</param>
    public static bool IsComplete(string text) =>
        SyntaxFactory.IsCompleteSubmission(CSharpSyntaxTree.ParseText(text, ParseOptions));

    /// <summary>The assembly names of a chain's gated code: its libraries and its earlier submissions.</summary>
    /// <param name="source">The chain.</param>
    public static IReadOnlySet<string> OwnAssemblies(ScriptSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var library in source.Libraries)
        {
            using var pe = new PEReader(ImmutableArray.Create(library));
            var md = pe.GetMetadataReader();
            names.Add(md.GetString(md.GetAssemblyDefinition().Name));
        }

        var prefix = ChainPrefix(source);
        for (var i = 0; i < source.Submissions.Count - 1; i++)
        {
            names.Add(prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return names;
    }

    /// <summary>Checks the last submission's size and nesting before anything parses it.</summary>
    /// <returns>The problem, or <see langword="null"/>.</returns>
    internal static CompileDiagnostic? Precheck(ScriptSource source)
    {
        var code = source.Submissions.Count == 0 ? null : source.Submissions[^1];
        if (string.IsNullOrWhiteSpace(code))
        {
            return new(source.FilePath, 1, 1, DiagnosticIds.SnippetProblem, "The snippet is empty. Send C# statements, optionally ending in an expression without ';' whose value is returned.");
        }

        if (code.Length > MaxLength)
        {
            return new(source.FilePath, 1, 1, DiagnosticIds.SnippetProblem, $"The snippet is {code.Length:N0} characters; the cap is {MaxLength:N0}. Send a smaller piece of code.");
        }

        if (source.Submissions.Count > MaxSubmissions)
        {
            return new(source.FilePath, 1, 1, DiagnosticIds.SnippetProblem, $"The session holds {MaxSubmissions} submissions, the most one chain may; start a new one.");
        }

        return DeepStack.TooDeep(code) is { } deepLine
            ? new(source.FilePath, deepLine, 1, DiagnosticIds.TooDeeplyNested, $"Brackets nest more than {DeepStack.MaxNesting} levels deep here; split the expression into smaller pieces.")
            : null;
    }

    /// <summary>Compiles and gates the last submission of a chain (in this process; <see cref="AgentCompiler.CompileScript(ScriptSource, CancellationToken)"/>
    /// chooses the process).</summary>
    internal static ScriptCompileResult Compile(ScriptSource source, GatePolicy policy, CancellationToken cancellationToken)
    {
        if (Precheck(source) is { } problem)
        {
            return Failed(problem);
        }

        return DeepStack.Run(() => CompileOnDeepStack(source, policy, cancellationToken), cancellationToken);
    }

    private static ScriptCompileResult Failed(params CompileDiagnostic[] diagnostics) => new(new CompileReport(false, diagnostics), null, false);

    private static ScriptCompileResult CompileOnDeepStack(ScriptSource source, GatePolicy policy, CancellationToken cancellationToken)
    {
        var code = source.Submissions[^1];
        if (Refused(code, source.FilePath) is { } refused)
        {
            return Failed(refused);
        }

        var libraries = source.Libraries.Select(image => (MetadataReference)MetadataReference.CreateFromImage(image)).ToList();
        var references = AgentReferences.All.AddRange(libraries);
        var options = ScriptOptions.Default
            .WithReferences(references)
            .WithImports(DefaultImports.Concat(source.Imports))
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithAllowUnsafe(false)
            .WithCheckOverflow(false)
            .WithEmitDebugInformation(false)
            .WithFilePath(source.FilePath);

        // The Scripting API parses each submission as C# script and sets the compile options of a submission (the script
        // class, the imports). Its own chaining (ContinueWith) cannot be used: it names the submission's return type by
        // the host's runtime type (System.Object in System.Private.CoreLib), which the agents' reference assemblies do
        // not hold, so every compilation after the first fails to bind. The chain is therefore made with the compiler's
        // API, with deterministic names (a later submission refers to an earlier one by name, and earlier images were
        // emitted by earlier compiles) and the options every agent compiles with.
        var prefix = ChainPrefix(source);
        var agentOptions = AgentCompiler.CreateCompilationOptions();
        CSharpCompilation? previous = null;
        for (var i = 0; i < source.Submissions.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scripted = (CSharpCompilation)CSharpScript.Create(source.Submissions[i], options, typeof(ScriptGlobals)).GetCompilation();
            previous = CSharpCompilation.CreateScriptCompilation(
                prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                scripted.SyntaxTrees.Single(),
                references,
                agentOptions.WithScriptClassName(scripted.Options.ScriptClassName).WithUsings(scripted.Options.Usings),
                previous,
                returnType: null,
                globalsType: typeof(ScriptGlobals));
        }

        var last = previous!;
        var own = OwnAssemblies(source);
        var sink = new DiagnosticCollector();
        var gateSink = new DiagnosticCollector();
        new SymbolGate(last, policy, gateSink, own).Run(cancellationToken);
        using var peStream = new MemoryStream();
        var emit = last.Emit(peStream, options: AgentCompiler.EmitOptions, cancellationToken: cancellationToken);
        foreach (var diagnostic in emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            sink.Add(diagnostic);
        }

        var sourceViolations = gateSink.Items.Count;
        sink.AddRange(gateSink);
        byte[]? image = null;
        if (emit.Success)
        {
            image = peStream.ToArray();
            IlScanner.Scan(image, policy, sourceViolations == 0 ? sink : new DiagnosticCollector(), new SourceLocator(last).Locate, own);
        }

        var success = emit.Success && sink.Items.Count == 0;
        return new ScriptCompileResult(new CompileReport(success, sink.Items), success ? image : null, success && HasValue(last, cancellationToken));
    }

    /// <summary>Whether a submission ends in an expression without ';' whose type is not <c>void</c> (C# script's value).</summary>
    private static bool HasValue(CSharpCompilation compilation, CancellationToken cancellationToken)
    {
        var tree = compilation.SyntaxTrees.Single();
        var root = (CompilationUnitSyntax)tree.GetRoot(cancellationToken);
        return root.Members.LastOrDefault() is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } statement }
               && compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression, cancellationToken).Type is { } type
               && type.SpecialType != SpecialType.System_Void;
    }

    /// <summary>What C# script allows but a submission may not hold: directives (<c>#r</c>, <c>#load</c> and every other:
    /// the reference set is the host's), extern aliases, assembly attributes, and top-level members other than
    /// statements, fields, methods and types.</summary>
    private static CompileDiagnostic? Refused(string code, string file)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, ParseOptions).GetRoot();
        if (root.DescendantTrivia(descendIntoTrivia: true).FirstOrDefault(t => t.IsDirective) is { RawKind: not 0 } directive)
        {
            return Problem(directive.GetLocation(), $"Directives ('{directive.ToString().Trim()}') are not allowed in a snippet; remove it.");
        }

        if (root.Externs.Count > 0 || root.AttributeLists.Count > 0)
        {
            return new(file, 1, 1, DiagnosticIds.SnippetProblem, "Extern aliases and assembly attributes are not allowed in a snippet; remove them.");
        }

        foreach (var member in root.Members)
        {
            if (member is not (GlobalStatementSyntax or FieldDeclarationSyntax or MethodDeclarationSyntax or BaseTypeDeclarationSyntax or DelegateDeclarationSyntax))
            {
                return Problem(member.GetLocation(),
                    $"A top-level {member.Kind().ToString().Replace("Declaration", string.Empty, StringComparison.Ordinal).ToLowerInvariant()} is not supported in a snippet; use a variable or a method, or declare it inside a type.");
            }
        }

        return null;

        CompileDiagnostic Problem(Location location, string message)
        {
            var at = location.GetLineSpan().StartLinePosition;
            return new(file, at.Line + 1, at.Character + 1, DiagnosticIds.SnippetProblem, message);
        }
    }

    /// <summary>The name prefix of a chain's assemblies (the submission's index completes it): from what the whole
    /// chain shares (libraries, imports, file name), so a submission keeps its name in every later compile.</summary>
    private static string ChainPrefix(ScriptSource source)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var library in source.Libraries)
        {
            hash.AppendData(SHA256.HashData(library));
        }

        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n', source.Imports) + "\0" + source.FilePath + "\0"));
        return "Script_" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16] + "_";
    }
}
