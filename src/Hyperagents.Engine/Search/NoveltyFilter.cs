namespace Hyperagents.Engine;

/// <summary>ShinkaEvolve's novelty rejection without embeddings: a child is refused when the code it changed is too
/// close to the same files of a variant already in the archive. The similarity is the weighted Jaccard of token bags
/// (<see cref="CodeTokens.Similarity"/>, comments and layout ignored) over the files the child changed from its parent
/// (added, modified or deleted); a file a variant lacks counts as empty.</summary>
public static class NoveltyFilter
{
    /// <summary>The paths <paramref name="child"/> changed from <paramref name="parent"/>, sorted.</summary>
    /// <param name="parent">The parent's files.</param>
    /// <param name="child">The child's files.</param>
    public static IReadOnlyList<string> ChangedPaths(IReadOnlyDictionary<string, string> parent, IReadOnlyDictionary<string, string> child)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(child);
        return parent.Keys.Union(child.Keys)
            .Where(p => !parent.TryGetValue(p, out var a) || !child.TryGetValue(p, out var b) || a != b)
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The similarity of two variants on <paramref name="paths"/>.</summary>
    /// <param name="a">One variant's files.</param>
    /// <param name="b">The other's.</param>
    /// <param name="paths">The files compared.</param>
    public static double Similarity(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(paths);
        return CodeTokens.Similarity(
            CodeTokens.Bag(paths.Select(p => a.GetValueOrDefault(p, string.Empty))),
            CodeTokens.Bag(paths.Select(p => b.GetValueOrDefault(p, string.Empty))));
    }

    /// <summary>The most similar variant among <paramref name="others"/> (earliest on ties), or <see langword="null"/>
    /// when there is none.</summary>
    /// <param name="parent">The child's parent's files.</param>
    /// <param name="child">The child's files.</param>
    /// <param name="others">The variants to compare with, the parent included.</param>
    public static (string Id, double Similarity)? Closest(IReadOnlyDictionary<string, string> parent, IReadOnlyDictionary<string, string> child,
        IEnumerable<(string Id, IReadOnlyDictionary<string, string> Files)> others)
    {
        ArgumentNullException.ThrowIfNull(others);
        var paths = ChangedPaths(parent, child);
        (string Id, double Similarity)? closest = null;
        foreach (var (id, files) in others)
        {
            var similarity = Similarity(child, files, paths);
            if (closest is null || similarity > closest.Value.Similarity)
            {
                closest = (id, similarity);
            }
        }

        return closest;
    }

    /// <summary>The refusal reason recorded as the child's status, when <paramref name="similarity"/> reaches
    /// <paramref name="threshold"/>.</summary>
    internal static string Reason(string closestId, double similarity, double threshold, int changedFiles) =>
        FormattableString.Invariant($"{SearchArchive.NoveltyPrefix} too close to {closestId[..Math.Min(12, closestId.Length)]} (token similarity {similarity:0.####} >= {threshold} on the {changedFiles} changed file(s))");
}
