using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Hyperagents.Compiler;

/// <summary>The host side of the offline mutation toolkit (<see cref="MutationToolkit"/>): seeded syntax-level mutations
/// of one C# file. Pure and thread-safe: the same code and request always give the same result.</summary>
/// <remarks>
/// <para>Sites, in file order:</para>
/// <list type="bullet">
/// <item><description><b>Numeric literals</b> (decimal notation; hex and binary literals are masks, not tunables, and are
/// skipped). A real literal (<c>double</c>, <c>float</c>, <c>decimal</c>) is multiplied by exp(N(0, scale)) and keeps its
/// suffix and type; an integer literal moves by a random step of at least one, proportional to its size times the
/// scale, and keeps its suffix. A literal's sign never flips unless a <c>/*@range(min, max)*/</c> comment in front of
/// it allows it; the range also clamps the result. <c>/*@fixed*/</c> excludes the literal. A literal directly under a
/// unary minus is one site with a negative value. Excluded: literals inside attributes, array sizes, <c>case</c> labels and
/// patterns, enum member values, and literals that are not valid in the new value's type.</description></item>
/// <item><description><b>Operators</b>: binary <c>+ -</c>, <c>* /</c>, <c>&lt; &lt;= &gt; &gt;=</c> swap within their
/// family. String concatenations with a literal string operand are skipped.</description></item>
/// <item><description><b>Marked alternatives</b>: an expression whose first token carries <c>/*@alt: A | B | C*/</c> and
/// whose text is one of the alternatives is replaced by another alternative; the marker stays.</description></item>
/// </list>
/// <para>Selection: the eligible sites (kinds, marked-only and lines filters) are shuffled with
/// <see cref="SeededRandom"/> from the request's seed, the first <see cref="MutationRequest.Count"/> that do not overlap
/// are taken, and their new values are drawn in file order from the same sequence.</para>
/// </remarks>
public static class MutationEngine
{
    private static readonly Regex RangePattern = new(@"/\*\s*@range\(\s*([-+0-9.eE_]+)\s*,\s*([-+0-9.eE_]+)\s*\)\s*\*/", RegexOptions.CultureInvariant);
    private static readonly Regex AltPattern = new(@"^/\*\s*@alt:(.*)\*/$", RegexOptions.CultureInvariant | RegexOptions.Singleline);

    /// <summary>Lists the mutation sites of a file, in file order.</summary>
    /// <param name="code">The C# source.</param>
    public static IReadOnlyList<MutationSite> GetSites(string code) =>
        FindSites(Parse(code)).Select(s => new MutationSite(s.Kind, s.Line, s.Text, s.Marked)).ToList();

    /// <summary>Applies seeded mutations to a file.</summary>
    /// <param name="code">The C# source.</param>
    /// <param name="request">What to mutate; <see cref="MutationRequest.Path"/> is only echoed in the report.</param>
    /// <returns>The new source and what changed. With no eligible site the source is returned unchanged.</returns>
    /// <exception cref="ArgumentException">The request's count is negative or its scale is not a positive finite number.</exception>
    public static (string NewCode, MutationReport Report) Mutate(string code, MutationRequest request)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count < 0)
        {
            throw new ArgumentException($"Count must be zero or more (was {request.Count}).", nameof(request));
        }

        if (!double.IsFinite(request.Scale) || request.Scale <= 0 || request.Scale > 10)
        {
            throw new ArgumentException($"Scale must be a number in (0, 10] (was {request.Scale}).", nameof(request));
        }

        var tree = Parse(code);
        var kinds = request.Kinds is { Count: > 0 } k ? k.ToHashSet() : null;
        var lines = request.Lines is { Count: > 0 } l ? l.ToHashSet() : null;
        var eligible = FindSites(tree)
            .Where(s => kinds is null || kinds.Contains(s.Kind))
            .Where(s => !request.MarkedOnly || s.Marked)
            .Where(s => lines is null || lines.Contains(s.Line))
            .ToList();

        var random = new SeededRandom(request.Seed);
        for (var i = eligible.Count - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (eligible[i], eligible[j]) = (eligible[j], eligible[i]);
        }

        var chosen = new List<Site>();
        foreach (var site in eligible)
        {
            if (chosen.Count >= request.Count)
            {
                break;
            }

            if (chosen.All(c => !c.Span.OverlapsWith(site.Span)))
            {
                chosen.Add(site);
            }
        }

        chosen.Sort((a, b) => a.Span.Start.CompareTo(b.Span.Start));
        var applied = new List<AppliedMutation>();
        var changes = new List<TextChange>();
        foreach (var site in chosen)
        {
            var after = site.Mutate(random, request.Scale);
            changes.Add(new TextChange(site.Span, after));
            applied.Add(new AppliedMutation(site.Kind, site.Line, site.Text, after));
        }

        var newCode = SourceText.From(code).WithChanges(changes).ToString();
        return (newCode, new MutationReport(request.Path, applied));
    }

    /// <summary>Parses agent-written code; too deep a file has no sites (the compiler refuses it with a diagnostic).</summary>
    private static SyntaxTree Parse(string code) => DeepStack.TooDeep(code) is null
        ? DeepStack.Run(() => { var tree = CSharpSyntaxTree.ParseText(code, AgentCompiler.ParseOptions); _ = tree.GetRoot(); return tree; })
        : CSharpSyntaxTree.ParseText(string.Empty, AgentCompiler.ParseOptions);

    private static List<Site> FindSites(SyntaxTree tree)
    {
        var root = tree.GetRoot();
        var sites = new List<Site>();
        foreach (var node in root.DescendantNodes())
        {
            switch (node)
            {
                case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NumericLiteralExpression):
                    if (NumericSite(literal) is { } numeric)
                    {
                        sites.Add(numeric);
                    }

                    break;
                case BinaryExpressionSyntax binary when OperatorFamily(binary.OperatorToken.Kind()) is { } family && !IsStringConcatenation(binary):
                    sites.Add(new Site(MutationKind.Operator, LineOf(binary.OperatorToken), binary.OperatorToken.Text, false, binary.OperatorToken.Span,
                        (random, _) =>
                        {
                            var others = family.Where(f => f != binary.OperatorToken.Text).ToArray();
                            return others[random.NextInt(others.Length)];
                        }));
                    break;
            }

            if (node is ExpressionSyntax expression && AlternativeSite(expression) is { } alternative)
            {
                sites.Add(alternative);
            }
        }

        sites.Sort((a, b) => a.Span.Start != b.Span.Start ? a.Span.Start.CompareTo(b.Span.Start) : a.Span.Length.CompareTo(b.Span.Length));
        return sites;
    }

    private static Site? AlternativeSite(ExpressionSyntax expression)
    {
        var first = expression.GetFirstToken();
        if (expression.Parent is ExpressionSyntax parent && parent.GetFirstToken() == first && Normalize(parent.ToString()) != Normalize(expression.ToString())
            && MatchesAlternative(parent, first))
        {
            // The largest expression starting at the marker that is a listed alternative wins.
            return null;
        }

        foreach (var trivia in MarkerTrivia(first))
        {
            if (AltPattern.Match(trivia) is not { Success: true } match)
            {
                continue;
            }

            var alternatives = SplitAlternatives(match.Groups[1].Value);
            var current = Normalize(expression.ToString());
            var index = alternatives.FindIndex(a => Normalize(a) == current);
            if (index < 0 || alternatives.Count < 2)
            {
                return null;
            }

            return new Site(MutationKind.Alternative, LineOf(first), expression.ToString(), true, expression.Span, (random, _) =>
            {
                var others = alternatives.Where((_, i) => i != index).ToArray();
                return others[random.NextInt(others.Length)];
            });
        }

        return null;
    }

    private static bool MatchesAlternative(ExpressionSyntax expression, SyntaxToken first) =>
        MarkerTrivia(first).Any(t => AltPattern.Match(t) is { Success: true } m
                                     && SplitAlternatives(m.Groups[1].Value).Any(a => Normalize(a) == Normalize(expression.ToString())));

    /// <summary>The block comments in front of a token: its leading trivia and, since Roslyn attaches a comment on the
    /// same line to the previous token, that token's trailing trivia.</summary>
    private static IEnumerable<string> MarkerTrivia(SyntaxToken token) =>
        token.GetPreviousToken().TrailingTrivia.Concat(token.LeadingTrivia)
            .Where(t => t.IsKind(SyntaxKind.MultiLineCommentTrivia))
            .Select(t => t.ToString());

    private static List<string> SplitAlternatives(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var isSeparator = text[i] == '|' && (i == 0 || text[i - 1] != '|') && (i + 1 >= text.Length || text[i + 1] != '|');
            if (isSeparator)
            {
                parts.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(text[i]);
            }
        }

        parts.Add(current.ToString().Trim());
        return parts.Where(p => p.Length > 0).ToList();
    }

    private static string Normalize(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private static Site? NumericSite(LiteralExpressionSyntax literal)
    {
        var token = literal.Token;
        var text = token.Text;
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (literal.Ancestors().Any(a => a is AttributeSyntax or ArrayRankSpecifierSyntax or CaseSwitchLabelSyntax or PatternSyntax or EnumMemberDeclarationSyntax))
        {
            return null;
        }

        var negated = literal.Parent is PrefixUnaryExpressionSyntax unary && unary.IsKind(SyntaxKind.UnaryMinusExpression);
        SyntaxNode siteNode = negated ? literal.Parent! : literal;
        var trivia = MarkerTrivia(siteNode.GetFirstToken()).Concat(negated ? MarkerTrivia(token) : []).ToList();
        if (trivia.Any(t => t.Contains("@fixed", StringComparison.Ordinal)))
        {
            return null;
        }

        (double Min, double Max)? range = null;
        foreach (var comment in trivia)
        {
            if (RangePattern.Match(comment) is { Success: true } m
                && double.TryParse(m.Groups[1].Value.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var min)
                && double.TryParse(m.Groups[2].Value.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var max)
                && min <= max)
            {
                range = (min, max);
            }
        }

        var value = token.Value;
        var siteText = siteNode.ToString();
        var line = LineOf(siteNode.GetFirstToken());
        var suffix = new string(text.Reverse().TakeWhile(char.IsLetter).Reverse().ToArray());
        if (suffix.Length > 0 && suffix.All(c => c is 'e' or 'E'))
        {
            suffix = "";
        }

        var marked = range is not null;
        switch (value)
        {
            case double or float or decimal:
                return new Site(MutationKind.NumericLiteral, line, siteText, marked, siteNode.Span,
                    (random, scale) => MutateReal(value, negated, suffix, range, random, scale, siteText));
            case int or uint or long or ulong:
                return new Site(MutationKind.NumericLiteral, line, siteText, marked, siteNode.Span,
                    (random, scale) => MutateInteger(value, negated, suffix, range, random, scale, siteText));
            default:
                return null;
        }
    }

    private static string MutateReal(object value, bool negated, string suffix, (double Min, double Max)? range, SeededRandom random, double scale, string original)
    {
        var factor = Math.Exp(random.NextGaussian(0, scale));
        var sign = negated ? -1 : 1;
        switch (value)
        {
            case decimal m:
                var d = (decimal)sign * m * (decimal)factor;
                if (range is { } r)
                {
                    d = Math.Clamp(d, (decimal)r.Min, (decimal)r.Max);
                }

                return Render(Math.Round(d, 10).ToString(CultureInfo.InvariantCulture), d < 0, negated, suffix);
            default:
                var x = sign * Convert.ToDouble(value, CultureInfo.InvariantCulture) * factor;
                if (range is { } rr)
                {
                    x = Math.Clamp(x, rr.Min, rr.Max);
                }

                if (!double.IsFinite(x))
                {
                    return original;
                }

                var isFloat = value is float;
                var digits = (isFloat ? (float)Math.Abs(x) : Math.Abs(x)).ToString(isFloat ? "G6" : "G10", CultureInfo.InvariantCulture);
                if (isFloat && float.IsInfinity((float)x))
                {
                    return original;
                }

                if (suffix.Length == 0 && !digits.Contains('.', StringComparison.Ordinal) && !digits.Contains('E', StringComparison.Ordinal))
                {
                    digits += ".0";
                }

                return Render((x < 0 ? "-" : "") + digits, x < 0, negated, suffix);
        }
    }

    private static string MutateInteger(object value, bool negated, string suffix, (double Min, double Max)? range, SeededRandom random, double scale, string original)
    {
        var magnitude = Convert.ToDecimal(value, CultureInfo.InvariantCulture);
        var current = negated ? -magnitude : magnitude;
        var step = Math.Max(1m, Math.Round(Math.Abs(current) * (decimal)scale * (decimal)Math.Abs(random.NextGaussian()), MidpointRounding.AwayFromZero));
        var direction = random.NextInt(2) == 0 ? -1 : 1;

        // The type of the literal bounds the result; an unmarked literal also keeps its sign.
        decimal min = value is uint or ulong ? 0 : value is long ? long.MinValue : int.MinValue;
        decimal max = value switch { uint => uint.MaxValue, long => long.MaxValue, ulong => ulong.MaxValue, _ => int.MaxValue };
        if (range is { } r)
        {
            min = Math.Max(min, (decimal)Math.Ceiling(r.Min));
            max = Math.Min(max, (decimal)Math.Floor(r.Max));
        }
        else if (current >= 0)
        {
            min = Math.Max(min, 0);
        }
        else
        {
            max = Math.Min(max, 0);
        }

        if (min > max)
        {
            return original;
        }

        var next = Math.Clamp(current + direction * step, min, max);
        if (next == current)
        {
            next = Math.Clamp(current - direction * step, min, max);
        }

        return Render(Math.Abs(next) == next ? next.ToString(CultureInfo.InvariantCulture) : "-" + Math.Abs(next).ToString(CultureInfo.InvariantCulture), next < 0, negated, suffix);
    }

    private static string Render(string number, bool negative, bool siteIsNegated, string suffix)
    {
        var text = number + suffix;

        // A bare literal that turns negative is parenthesised so that "x-3" never becomes "x--4".
        return negative && !siteIsNegated ? "(" + text + ")" : text;
    }

    private static string[]? OperatorFamily(SyntaxKind kind) => kind switch
    {
        SyntaxKind.PlusToken or SyntaxKind.MinusToken => ["+", "-"],
        SyntaxKind.AsteriskToken or SyntaxKind.SlashToken => ["*", "/"],
        SyntaxKind.LessThanToken or SyntaxKind.LessThanEqualsToken or SyntaxKind.GreaterThanToken or SyntaxKind.GreaterThanEqualsToken => ["<", "<=", ">", ">="],
        _ => null,
    };

    private static bool IsStringConcatenation(BinaryExpressionSyntax binary) =>
        binary.IsKind(SyntaxKind.AddExpression)
        && new[] { binary.Left, binary.Right }.Any(e => e is InterpolatedStringExpressionSyntax
            || e.IsKind(SyntaxKind.StringLiteralExpression) || e.IsKind(SyntaxKind.CharacterLiteralExpression)
            || (e is BinaryExpressionSyntax inner && IsStringConcatenation(inner)));

    private static int LineOf(SyntaxToken token) => token.GetLocation().GetLineSpan().StartLinePosition.Line + 1;

    private sealed record Site(MutationKind Kind, int Line, string Text, bool Marked, TextSpan Span, Func<SeededRandom, double, string> Mutate);
}
