using Hyperagents.Domains;
using System.Text.RegularExpressions;

namespace Hyperagents.Engine;

/// <summary>Code as a bag of tokens, for the novelty filter and the diversity feature: comments and layout are dropped,
/// so a reformat or a comment is no change.</summary>
public static partial class CodeTokens
{
    /// <summary>The token counts of some C# text (identifiers, numbers, strings, one-character symbols).</summary>
    /// <param name="text">The source text.</param>
    public static Dictionary<string, int> Bag(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bag = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in Token().Matches(Comment().Replace(text, " ")))
        {
            bag[m.Value] = bag.GetValueOrDefault(m.Value) + 1;
        }

        return bag;
    }

    /// <summary>The token counts of several files together.</summary>
    /// <param name="texts">The files' texts.</param>
    public static Dictionary<string, int> Bag(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var bag = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, count) in texts.SelectMany(Bag))
        {
            bag[token] = bag.GetValueOrDefault(token) + count;
        }

        return bag;
    }

    /// <summary>The weighted Jaccard similarity Σ min(a_t, b_t) / Σ max(a_t, b_t) of two bags: 1 for the same tokens
    /// the same number of times, 0 for nothing in common; 1 when both are empty.</summary>
    /// <param name="a">One bag.</param>
    /// <param name="b">The other.</param>
    public static double Similarity(IReadOnlyDictionary<string, int> a, IReadOnlyDictionary<string, int> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        long min = 0, max = 0;
        foreach (var token in a.Keys.Union(b.Keys))
        {
            var (x, y) = (a.GetValueOrDefault(token), b.GetValueOrDefault(token));
            min += Math.Min(x, y);
            max += Math.Max(x, y);
        }

        return max == 0 ? 1 : (double)min / max;
    }

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"@?""(?:[^""\\]|\\.)*""|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\S")]
    private static partial Regex Token();
}

/// <summary>The MAP-Elites features the host can measure on a variant. A domain names the ones it wants in its package
/// manifest (<c>features</c>); without that, <see cref="Defaults"/>.</summary>
public static class SearchFeatures
{
    /// <summary>Characters of C# code in the agent's files.</summary>
    public const string CodeSize = DomainFeatures.CodeSize;

    /// <summary>1 − the token similarity (<see cref="CodeTokens.Similarity"/>) of the agent's code with the seed's.</summary>
    public const string Diversity = DomainFeatures.Diversity;

    /// <summary>The mean of the domain's raw figure over the selection split's draws.</summary>
    public const string Raw = DomainFeatures.Raw;

    /// <summary>The features used when the domain declares none (OpenEvolve's complexity and diversity).</summary>
    public static IReadOnlyList<string> Defaults => DomainFeatures.Defaults;

    /// <summary>The code features of a variant's files against the seed's token bag.</summary>
    /// <param name="files">The variant's files.</param>
    /// <param name="seedBag">The seed's tokens.</param>
    public static Dictionary<string, double> OfCode(IReadOnlyDictionary<string, string> files, IReadOnlyDictionary<string, int> seedBag)
    {
        ArgumentNullException.ThrowIfNull(files);
        var code = files.Where(f => f.Key.EndsWith(".cs", StringComparison.Ordinal)).Select(f => f.Value).ToList();
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [CodeSize] = code.Sum(c => (double)c.Length),
            [Diversity] = 1 - CodeTokens.Similarity(CodeTokens.Bag(code), seedBag),
        };
    }
}
