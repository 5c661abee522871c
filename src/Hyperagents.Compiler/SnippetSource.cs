using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Hyperagents.Compiler;

/// <summary>A meta agent's scratchpad snippet, turned into a one-file hyperagent so that it is compiled, gated and run
/// exactly like any agent (same references, same gate, deterministic emit, a fresh isolate).</summary>
/// <remarks>
/// <para>The snippet is read with C# script syntax: top-level statements, <c>await</c>, methods (which become local
/// functions, so they see the snippet's variables but cannot be overloaded), type declarations, <c>using</c> directives, and a trailing
/// expression without a semicolon whose value is the result (REPL style). It becomes the body of
/// <c>SolveTask(TaskContext context)</c>, so <c>context.Random</c> and <c>context.Log</c> are at hand. Other top-level
/// members (properties, events, operators...) and every directive are refused.</para>
/// <para>The wrapper names everything with <c>global::</c> and its helper with a reserved name, so snippet declarations
/// cannot capture it. The value is shown as invariant text: at most <see cref="MaxValueChars"/> characters, sequences
/// as <c>[a, b]</c> up to 1,000 items and 6 levels deep, cycles as <c>[…]</c>.</para>
/// <para>Roslyn's scripting runtime is deliberately not used: it runs submissions in the calling process, and snippets
/// are untrusted agent code that must run in the sandbox.</para>
/// </remarks>
public sealed class SnippetSource
{
    /// <summary>The path of the generated file inside the one-file agent.</summary>
    public const string FilePath = "task/Snippet.cs";

    /// <summary>The largest snippet accepted, in characters.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>The longest value shown, in characters.</summary>
    public const int MaxValueChars = 16 * 1024;

    /// <summary>The file name diagnostics on snippet lines carry.</summary>
    public const string DiagnosticFile = "snippet";

    /// <summary>The file name of diagnostics on lines the wrapper added.</summary>
    public const string WrapperFile = "snippet (generated wrapper)";

    private const string ClassName = "HyperagentsSnippet__";
    private const string ShowName = "HyperagentsShow__";

    private static readonly CSharpParseOptions ScriptOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    private readonly List<Chunk> _map;

    private SnippetSource(string text, List<Chunk> map, bool hasResult)
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
    /// <returns>The source, or a diagnostic (with the snippet's line and column) that names the fix.</returns>
    public static (SnippetSource? Source, CompileDiagnostic? Problem) Create(string? code, bool resultAsStatement = false)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return (null, Problem(1, 1, "The snippet is empty. Send C# statements, optionally ending in an expression without ';' whose value is returned."));
        }

        if (code.Length > MaxLength)
        {
            return (null, Problem(1, 1, $"The snippet is {code.Length:N0} characters; the cap is {MaxLength:N0}. Send a smaller piece of code."));
        }

        if (DeepStack.TooDeep(code) is { } deepLine)
        {
            return (null, new CompileDiagnostic(DiagnosticFile, deepLine, 1, DiagnosticIds.TooDeeplyNested,
                $"Brackets nest more than {DeepStack.MaxNesting} levels deep here; split the expression into smaller pieces."));
        }

        return DeepStack.Run(() => Build(code, resultAsStatement));
    }

    /// <summary>Maps a diagnostic of the generated file to the snippet: its line and column there, or the wrapper's.</summary>
    /// <param name="diagnostic">A diagnostic of <see cref="FilePath"/>; others are returned unchanged.</param>
    public CompileDiagnostic Map(CompileDiagnostic diagnostic)
    {
        if (diagnostic.File != FilePath)
        {
            return diagnostic;
        }

        foreach (var chunk in _map)
        {
            if (diagnostic.Line >= chunk.Generated && diagnostic.Line < chunk.Generated + chunk.Lines)
            {
                var line = chunk.Original + (diagnostic.Line - chunk.Generated);
                var column = diagnostic.Line == chunk.Generated ? diagnostic.Column + chunk.FirstColumn : diagnostic.Column;
                return diagnostic with { File = DiagnosticFile, Line = line, Column = Math.Max(1, column) };
            }
        }

        return diagnostic with { File = WrapperFile };
    }

    private static CompileDiagnostic Problem(int line, int column, string message) => new(DiagnosticFile, line, column, DiagnosticIds.SnippetProblem, message);

    private static (SnippetSource?, CompileDiagnostic?) Build(string code, bool resultAsStatement)
    {
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, ScriptOptions).GetRoot();
        if (root.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } syntax)
        {
            var at = syntax.Location.GetLineSpan().StartLinePosition;
            return (null, new CompileDiagnostic(DiagnosticFile, at.Line + 1, at.Character + 1, syntax.Id, syntax.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (root.DescendantTrivia(descendIntoTrivia: true).FirstOrDefault(t => t.IsDirective) is { RawKind: not 0 } directive)
        {
            var at = directive.GetLocation().GetLineSpan().StartLinePosition;
            return (null, Problem(at.Line + 1, at.Character + 1, $"Directives ('{directive.ToString().Trim()}') are not allowed in a snippet; remove it."));
        }

        if (root.Externs.Count > 0 || root.AttributeLists.Count > 0)
        {
            return (null, Problem(1, 1, "Extern aliases and assembly attributes are not allowed in a snippet; remove them."));
        }

        foreach (var member in root.Members)
        {
            if (member is not (GlobalStatementSyntax or FieldDeclarationSyntax or MethodDeclarationSyntax or BaseTypeDeclarationSyntax or DelegateDeclarationSyntax))
            {
                var at = member.GetLocation().GetLineSpan().StartLinePosition;
                return (null, Problem(at.Line + 1, at.Character + 1,
                    $"A top-level {member.Kind().ToString().Replace("Declaration", string.Empty, StringComparison.Ordinal).ToLowerInvariant()} is not supported in a snippet; use a variable or a method, or declare it inside a type."));
            }

            if (member is MethodDeclarationSyntax method && method.Modifiers.FirstOrDefault(m => m.Kind() is not (SyntaxKind.StaticKeyword or SyntaxKind.AsyncKeyword or SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.InternalKeyword or SyntaxKind.ProtectedKeyword)) is { RawKind: not 0 } modifier)
            {
                var at = modifier.GetLocation().GetLineSpan().StartLinePosition;
                return (null, Problem(at.Line + 1, at.Character + 1, $"'{modifier.Text}' is not allowed on a snippet method; remove it."));
            }
        }

        var builder = new Builder();
        foreach (var usingDirective in root.Usings)
        {
            builder.Add(usingDirective);
        }

        builder.Line($"public static class {ClassName}");
        builder.Line("{");
        builder.Line("    public static async global::System.Threading.Tasks.Task<string> SolveTask(global::Hyperagents.TaskContext context)");
        builder.Line("    {");
        builder.Line("        await global::System.Threading.Tasks.Task.CompletedTask;");
        var statements = root.Members.Where(m => m is GlobalStatementSyntax or FieldDeclarationSyntax).ToList();
        var hasResult = false;
        foreach (var member in statements)
        {
            var bareExpression = member is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } e } ? e.Expression : null;
            if (bareExpression is not null && member == statements[^1] && !resultAsStatement)
            {
                hasResult = true;
                builder.Line($"        return {ClassName}.{ShowName}(");
                builder.Add(bareExpression);
                builder.Line("        );");
            }
            else if (bareExpression is not null)
            {
                builder.Add(bareExpression, suffix: ";");
            }
            else if (member is FieldDeclarationSyntax field)
            {
                // Script syntax reads top-level 'var x = 1;' as a field of the submission; here it is a local.
                builder.Add(field.Declaration, prefix: field.Modifiers.Any(SyntaxKind.ConstKeyword) ? "const " : string.Empty, suffix: ";");
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

        // Methods become local functions after the return: they see the snippet's variables, as in C# script.
        foreach (var method in root.Members.OfType<MethodDeclarationSyntax>())
        {
            var local = SyntaxFactory.LocalFunctionStatement(
                method.AttributeLists,
                SyntaxFactory.TokenList(method.Modifiers.Where(m => m.Kind() is SyntaxKind.StaticKeyword or SyntaxKind.AsyncKeyword)),
                method.ReturnType,
                method.Identifier,
                method.TypeParameterList,
                method.ParameterList,
                method.ConstraintClauses,
                method.Body,
                method.ExpressionBody,
                method.SemicolonToken);
            builder.Add(local, anchor: method.AttributeLists.Count > 0 ? method.AttributeLists[0] : method.ReturnType);
        }

        builder.Line("    }");
        builder.Line();
        builder.Line("    public static global::System.Threading.Tasks.Task ModifySelf(global::Hyperagents.MetaContext context) => global::System.Threading.Tasks.Task.CompletedTask;");
        builder.Line();
        foreach (var line in ShowHelper.Split('\n'))
        {
            builder.Line(line);
        }

        builder.Line("}");
        foreach (var member in root.Members.Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax))
        {
            builder.Add(member);
        }

        return (new SnippetSource(builder.ToString(), builder.Map, hasResult), null);
    }

    private static readonly string ShowHelper = $$"""
            public static string {{ShowName}}(object? value)
            {
                var text = new global::System.Text.StringBuilder();
                {{ShowName}}Append(text, value, 0, new global::System.Collections.Generic.List<object>());
                return text.Length > {{MaxValueChars}} ? text.ToString(0, {{MaxValueChars - 1}}) + "…" : text.ToString();
            }

            private static void {{ShowName}}Append(global::System.Text.StringBuilder text, object? value, int depth, global::System.Collections.Generic.List<object> open)
            {
                if (text.Length > {{MaxValueChars}})
                {
                    return;
                }

                switch (value)
                {
                    case null:
                        text.Append("null");
                        return;
                    case string s:
                        text.Append(s);
                        return;
                    case bool b:
                        text.Append(b ? "true" : "false");
                        return;
                    case char c:
                        text.Append(c);
                        return;
                    case global::System.IFormattable formattable:
                        text.Append(formattable.ToString(null, global::System.Globalization.CultureInfo.InvariantCulture));
                        return;
                    case global::System.Collections.IEnumerable items:
                        if (depth >= 6 || open.Exists(o => global::System.Object.ReferenceEquals(o, value)))
                        {
                            text.Append("[…]");
                            return;
                        }

                        open.Add(value);
                        text.Append('[');
                        var count = 0;
                        foreach (var item in items)
                        {
                            if (count == 1000 || text.Length > {{MaxValueChars}})
                            {
                                text.Append(", …");
                                break;
                            }

                            if (count++ > 0)
                            {
                                text.Append(", ");
                            }

                            {{ShowName}}Append(text, item, depth + 1, open);
                        }

                        text.Append(']');
                        open.RemoveAt(open.Count - 1);
                        return;
                    default:
                        text.Append(value.ToString());
                        return;
                }
            }
        """;

    private readonly record struct Chunk(int Generated, int Original, int Lines, int FirstColumn);

    private sealed class Builder
    {
        private readonly StringBuilder _text = new();
        private int _line = 1;

        public List<Chunk> Map { get; } = [];

        public void Line(string text = "")
        {
            _text.Append(text).Append('\n');
            _line++;
        }

        /// <summary>Copies a node's text and remembers where it came from: the line (and, for the first line, the column
        /// offset) of <paramref name="anchor"/>, by default the node itself.</summary>
        public void Add(SyntaxNode node, SyntaxNode? anchor = null, string prefix = "", string suffix = "")
        {
            var body = prefix + node.ToString() + suffix;
            var start = (anchor ?? node).GetLocation().GetLineSpan().StartLinePosition;
            // Count lines as Roslyn does (\r, \n, \r\n, U+0085, U+2028, U+2029), so later diagnostics map to the right line.
            var lines = SourceText.From(body).Lines.Count;
            Map.Add(new Chunk(_line, start.Line + 1, lines, start.Character - prefix.Length));
            _text.Append(body).Append('\n');
            _line += lines;
        }

        public override string ToString() => _text.ToString();
    }
}
