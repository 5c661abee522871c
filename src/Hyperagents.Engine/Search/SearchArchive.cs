using Hyperagents.Archive;

namespace Hyperagents.Engine;

/// <summary>One archived attempt as the search strategies see it: a fixed, in-memory record, so every strategy is a
/// pure function of the archive (resume recomputes the same state) and tests can build archives by hand.</summary>
/// <param name="Id">The variant id.</param>
/// <param name="Parent">The parent's id; <see langword="null"/> for the seed.</param>
/// <param name="Sequence">Its ordinal in the run (0 for the seed).</param>
/// <param name="Attempt">The attempt that made it (0 for the seed).</param>
/// <param name="Status">Accepted, rejected or failed, with the reason.</param>
/// <param name="Alpha">Its selection score α (<see cref="ParentSelection.Alpha"/>), or <see langword="null"/> when it
/// has no evaluation.</param>
/// <param name="ValidParent">Whether it may be a parent: accepted, evaluated, never marked invalid.</param>
public sealed record SearchNode(string Id, string? Parent, long Sequence, int Attempt, VariantStatus Status, double? Alpha, bool ValidParent)
{
    /// <summary>Mean score per task over replicates, keyed <c>split/task</c> on the visible splits (train and val; the
    /// staged subset counts as train); empty when not evaluated or not loaded.</summary>
    public IReadOnlyDictionary<string, double> TaskScores { get; init; } = new Dictionary<string, double>();

    /// <summary>The meta model the bandit chose for the attempt that made it, or <see langword="null"/>.</summary>
    public string? Arm { get; init; }

    /// <summary>The behaviour descriptors of its code (<see cref="SearchFeatures"/>), by feature name.</summary>
    public IReadOnlyDictionary<string, double> Features { get; init; } = new Dictionary<string, double>();

    /// <summary>The short id used in details and logs.</summary>
    public string ShortId => Id.Length > 12 ? Id[..12] : Id;
}

/// <summary>How an attempt counts for the strategies that learn from children (<c>cmp</c>, <c>elo</c>, the model
/// bandit).</summary>
public enum ChildOutcome
{
    /// <summary>Not counted: a refusal for lack of novelty, a model or budget failure, or a child not evaluated yet.</summary>
    Excluded,

    /// <summary>The child was accepted, evaluated and its α is above its parent's.</summary>
    Improved,

    /// <summary>Anything else: rejected, failed, stopped at the staged gate, or not above the parent.</summary>
    NotImproved,
}

/// <summary>The archive as the search strategies see it, in sequence order.</summary>
public sealed class SearchArchive
{
    /// <summary>The reason prefix of a child refused by the novelty filter (<see cref="NoveltyFilter"/>).</summary>
    public const string NoveltyPrefix = "novelty:";

    /// <summary>The reason prefix of an attempt the model or the budget failed (not the parent's fault).</summary>
    public const string ModelFailurePrefix = "model:";

    private readonly Dictionary<string, SearchNode> _byId;
    private readonly Dictionary<string, List<SearchNode>> _children;
    private readonly Dictionary<string, int> _generation;

    /// <summary>Creates the view.</summary>
    /// <param name="nodes">Every archived attempt, the seed first; ordered by sequence here.</param>
    public SearchArchive(IEnumerable<SearchNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Nodes = nodes.OrderBy(n => n.Sequence).ToList();
        _byId = Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        _children = Nodes.Where(n => n.Parent is not null).GroupBy(n => n.Parent!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        _generation = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in Nodes)
        {
            _generation[node.Id] = node.Parent is not null && _generation.TryGetValue(node.Parent, out var g) ? g + 1 : 0;
        }
    }

    /// <summary>The depth of a node in the tree: 0 for the seed, its parent's plus one otherwise.</summary>
    /// <param name="id">The variant id.</param>
    public int GenerationOf(string id) => _generation[id];

    /// <summary>Every attempt in sequence order.</summary>
    public IReadOnlyList<SearchNode> Nodes { get; }

    /// <summary>A node by id.</summary>
    /// <param name="id">The variant id.</param>
    public SearchNode this[string id] => _byId[id];

    /// <summary>Whether the archive holds <paramref name="id"/>.</summary>
    /// <param name="id">The variant id.</param>
    public bool Contains(string id) => _byId.ContainsKey(id);

    /// <summary>The direct children of a node, in sequence order.</summary>
    /// <param name="id">The variant id.</param>
    public IReadOnlyList<SearchNode> ChildrenOf(string id) => _children.TryGetValue(id, out var list) ? list : [];

    /// <summary>The node and all its descendants (its clade), in sequence order.</summary>
    /// <param name="id">The variant id.</param>
    public IReadOnlyList<SearchNode> CladeOf(string id)
    {
        var clade = new List<SearchNode>();
        var stack = new Stack<SearchNode>();
        stack.Push(_byId[id]);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            clade.Add(node);
            foreach (var child in ChildrenOf(node.Id))
            {
                stack.Push(child);
            }
        }

        return clade.OrderBy(n => n.Sequence).ToList();
    }

    /// <summary>How a child counts for learning strategies: <see cref="ChildOutcome.Improved"/> when accepted,
    /// evaluated and α(child) &gt; α(parent); excluded when refused for novelty, failed by the model or the budget, or
    /// not evaluated yet; otherwise <see cref="ChildOutcome.NotImproved"/>.</summary>
    /// <param name="child">A node with a parent.</param>
    public ChildOutcome OutcomeOf(SearchNode child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (child.Parent is null || !_byId.TryGetValue(child.Parent, out var parent))
        {
            return ChildOutcome.Excluded;
        }

        var reason = child.Status.Reason ?? string.Empty;
        if (reason.StartsWith(NoveltyPrefix, StringComparison.Ordinal) || reason.StartsWith(ModelFailurePrefix, StringComparison.Ordinal))
        {
            return ChildOutcome.Excluded;
        }

        if (child.Status.State != VariantState.Accepted)
        {
            return ChildOutcome.NotImproved;
        }

        if (child.Alpha is not { } a)
        {
            return ChildOutcome.Excluded;
        }

        return parent.Alpha is { } p && a > p ? ChildOutcome.Improved : ChildOutcome.NotImproved;
    }
}
