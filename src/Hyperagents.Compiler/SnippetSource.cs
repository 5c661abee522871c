using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hyperagents.Compiler;

/// <summary>A meta agent's scratchpad snippet, turned into a one-file hyperagent so that it is compiled, gated and run
/// exactly like any agent (same references, same gate, deterministic emit, a fresh isolate).</summary>
/// <remarks>
/// <para>The snippet is read with C# script syntax: top-level statements, <c>await</c>, local functions and methods,
/// type declarations, <c>using</c> directives, and a trailing expression without a semicolon whose value is the result
/// (REPL style). It becomes the body of <c>SolveTask(TaskContext context)</c>, so <c>context.Random</c> and
/// <c>context.Log</c> are at hand.</para>
/// <para>Roslyn's scripting runtime is deliberately not used: it runs submissions in the calling process, and snippets
/// are untrusted agent code that must run in the sandbox.</para>
/// <para><c>#r</c>, <c>#load</c> and every other directive are refused; diagnostics are mapped back to snippet lines.</para>
/// </remarks>
public sealed class SnippetSource
{
    /// <summary>The path of the generated file inside the one-file agent.</summary>
    public const string FilePath = "task/Snippet.cs";

    /// <summary>The largest snippet accepted, in characters.</summary>
    public const int MaxLength = 64 * 1024;

    private const string ClassName = "HyperagentsSnippet";

    private static readonly CSharpParseOptions ScriptOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    // (line in the generated file, line in the snippet, number of lines), 1-based.
    private readonly List<(int Generated, int Original, int Count)> _map;

    private SnippetSource(string text, List<(int, int, int)> map, bool hasResult)
    {
        Text = text;
        _map = map;
        HasResult = hasResult;
    }

    /// <summary>The generated C# file.</summary>
    public string Text { get; }

    /// <summary>Whether the snippet ends in an expression whose value is the result.</summary>
    public bool HasResult { get; }

    /// <summary>The one-file agent to compile.</summary>
    public IReadOnlyDictionary<string, string> Files => new Dictionary<string, string> { [FilePath] = Text };

    /// <summary>Turns a snippet into a one-file hyperagent.</summary>
    /// <param name="code">The snippet.</param>
    /// <param name="resultAsStatement">Treat a trailing expression as a plain statement (for an expression of type
    /// <c>void</c>, such as a call that returns nothing).</param>
    /// <returns>The source, or a problem that names the fix.</returns>
    public static (SnippetSource? Source, string? Problem) Create(string? code, bool resultAsStatement = false)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return (null, "The snippet is empty. Send C# statements, optionally ending in an expression without ';' whose value is returned.");
        }

        if (code.Length > MaxLength)
        {
            return (null, $"The snippet is {code.Length:N0} characters; the cap is {MaxLength:N0}. Send a smaller piece of code.");
        }

        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, ScriptOptions).GetRoot();
        if (root.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } syntax)
        {
            var line = syntax.Location.GetLineSpan().StartLinePosition.Line + 1;
            return (null, $"snippet({line}): {syntax.Id}: {syntax.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        if (root.DescendantTrivia(descendIntoTrivia: true).FirstOrDefault(t => t.IsDirective) is { RawKind: not 0 } directive)
        {
            var line = directive.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            return (null, $"snippet({line}): directives ('{directive.ToString().Trim()}') are not allowed in a snippet; remove it.");
        }

        if (root.Externs.Count > 0 || root.AttributeLists.Count > 0)
        {
            return (null, "extern aliases and assembly attributes are not allowed in a snippet; remove them.");
        }

        var builder = new Builder();
        foreach (var usingDirective in root.Usings)
        {
            builder.Add(usingDirective);
        }

        builder.Line("public static partial class " + ClassName);
        builder.Line("{");
        builder.Line("    public static async Task<string> SolveTask(TaskContext context)");
        builder.Line("    {");
        builder.Line("        await Task.CompletedTask;");
        var statements = root.Members.Where(m => m is GlobalStatementSyntax or FieldDeclarationSyntax).ToList();
        var hasResult = false;
        foreach (var member in statements)
        {
            var isLast = member == statements[^1];
            if (member is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } expression } && isLast && !resultAsStatement)
            {
                hasResult = true;
                builder.Line("        return " + ClassName + ".Show(");
                builder.Add(expression.Expression);
                builder.Line("        );");
            }
            else if (member is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } bare })
            {
                builder.Add(bare.Expression, suffix: ";");
            }
            else if (member is FieldDeclarationSyntax field)
            {
                // Script syntax reads top-level 'var x = 1;' as a field of the submission; here it is a local.
                builder.Add(field, text: (field.Modifiers.Any(SyntaxKind.ConstKeyword) ? "const " : string.Empty) + field.Declaration + ";");
            }
            else
            {
                builder.Add(member);
            }
        }

        if (!hasResult)
        {
            builder.Line("        return \"\";");
        }

        builder.Line("    }");
        builder.Line();
        builder.Line("    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;");
        builder.Line();
        foreach (var method in root.Members.OfType<MethodDeclarationSyntax>())
        {
            builder.Add(method, text: method.Modifiers.Any(SyntaxKind.StaticKeyword) ? null : "static " + method);
        }

        builder.Line("    private static string Show(object? value) => value switch");
        builder.Line("    {");
        builder.Line("        null => \"null\",");
        builder.Line("        string text => text,");
        builder.Line("        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),");
        builder.Line("        System.Collections.IEnumerable items => \"[\" + string.Join(\", \", items.Cast<object?>().Take(1000).Select(Show)) + \"]\",");
        builder.Line("        _ => value.ToString() ?? string.Empty,");
        builder.Line("    };");
        builder.Line("}");
        foreach (var member in root.Members.Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax or BaseNamespaceDeclarationSyntax))
        {
            builder.Add(member);
        }

        return (new SnippetSource(builder.ToString(), builder.Map, hasResult), null);
    }

    /// <summary>The snippet line of a line of the generated file, or <see langword="null"/> for generated lines.</summary>
    /// <param name="generatedLine">A 1-based line of <see cref="Text"/>.</param>
    public int? OriginalLine(int generatedLine)
    {
        foreach (var (generated, original, count) in _map)
        {
            if (generatedLine >= generated && generatedLine < generated + count)
            {
                return original + (generatedLine - generated);
            }
        }

        return null;
    }

    private sealed class Builder
    {
        private readonly StringBuilder _text = new();
        private int _line = 1;

        public List<(int, int, int)> Map { get; } = [];

        public void Line(string text = "")
        {
            _text.Append(text).Append('\n');
            _line++;
        }

        /// <summary>Copies a node's text (or a rewrite of it on the same lines) and remembers where it came from.</summary>
        public void Add(SyntaxNode node, string? text = null, string suffix = "")
        {
            var body = (text ?? node.ToString()).Replace("\r\n", "\n", StringComparison.Ordinal) + suffix;
            var original = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            var lines = body.Count(c => c == '\n') + 1;
            Map.Add((_line, original, lines));
            _text.Append(body).Append('\n');
            _line += lines;
        }

        public override string ToString() => _text.ToString();
    }
}
