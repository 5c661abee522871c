using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Hyperagents.Archive;
using Hyperagents.Hosting;
using Hyperagents.Transport;

namespace Hyperagents.Engine;

/// <summary><c>agent</c>: the hyperagent's own <c>SelectParent</c> (in its <c>meta/</c> code) chooses the next parent
/// from a <see cref="ParentChoice"/> — train evidence only — run in the run's runner tier like every call of agent code.
/// The selector is the current best variant's (the seed's under <c>no-selfimprove</c>). <see cref="Select"/> is the
/// fallback, DGM-H's default: the loop draws it first, so a selector that fails, or a variant without one, leaves
/// the attempt exactly as <c>score_child_prop</c> would have made it (docs/search.md).</summary>
public sealed class AgentStrategy : IParentStrategy
{
    /// <summary>The registered name.</summary>
    public const string StrategyName = "agent";

    /// <summary>The task the selector call carries (it never reaches an evaluator).</summary>
    public static readonly TaskSpec SelectionTask = new("hyperagents", "select-parent",
        "Choose the next parent: return the id of one of the candidates.", new Dictionary<string, string>(), null);

    /// <inheritdoc/>
    public string Name => StrategyName;

    /// <inheritdoc/>
    public string Summary => "The best variant's own SelectParent(ParentChoice) chooses, from train evidence only; score_child_prop when it cannot.";

    /// <inheritdoc/>
    public bool NeedsTaskScores => true;

    /// <inheritdoc/>
    public SelectionResult Select(SelectionInput input, SeededRandom random) => SelectionStrategies.Get(SelectionStrategies.Default).Select(input, random);

    /// <summary>Whether a compiled agent declares <c>SelectParent</c> (a public static method of that name on a public
    /// type), read from its metadata without loading it.</summary>
    /// <param name="image">The agent's IL image.</param>
    public static bool HasEntryPoint(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            using var pe = new PEReader(new MemoryStream(image, writable: false));
            var reader = pe.GetMetadataReader();
            foreach (var handle in reader.TypeDefinitions)
            {
                var type = reader.GetTypeDefinition(handle);
                var visibility = type.Attributes & System.Reflection.TypeAttributes.VisibilityMask;
                if (visibility != System.Reflection.TypeAttributes.Public)
                {
                    continue;
                }

                foreach (var m in type.GetMethods())
                {
                    var method = reader.GetMethodDefinition(m);
                    if (reader.StringComparer.Equals(method.Name, AgentInvoker.SelectParent)
                        && (method.Attributes & System.Reflection.MethodAttributes.Static) != 0
                        && (method.Attributes & System.Reflection.MethodAttributes.MemberAccessMask) == System.Reflection.MethodAttributes.Public)
                    {
                        return true;
                    }
                }
            }
        }
        catch (BadImageFormatException)
        {
            return false;
        }

        return false;
    }

    /// <summary>The view a selector sees: the candidates with their train evidence only — no α (it is a validation
    /// score when the domain has a validation split), no validation or test score, no answer, no file. At most
    /// <see cref="ParentChoice.MaxCandidates"/> candidates (the highest train scores), each with at most
    /// <see cref="ParentChoice.MaxTaskScores"/> task scores.</summary>
    /// <param name="archive">The archive, with <see cref="SearchNode.TaskScores"/> loaded.</param>
    /// <param name="candidates">The valid parents.</param>
    /// <param name="attempt">The attempt.</param>
    /// <param name="seed">The seed of this choice.</param>
    public static ParentChoice View(SearchArchive archive, IReadOnlyList<SelectionCandidate> candidates, int attempt, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(candidates);
        var listed = candidates.Where(c => archive.Contains(c.Id)).Select(c => Candidate(archive, archive[c.Id])).ToList();
        var kept = listed.Select((c, i) => (c, i)).OrderByDescending(x => x.c.TrainScore ?? double.NegativeInfinity).ThenBy(x => x.i)
            .Take(ParentChoice.MaxCandidates).OrderBy(x => x.i).Select(x => x.c).ToList();
        return new ParentChoice(attempt, seed, kept, listed.Count - kept.Count);
    }

    private static ParentCandidate Candidate(SearchArchive archive, SearchNode node)
    {
        var train = TrainScores(node);
        var score = TrainScore(train);
        var (improved, notImproved) = (0, 0);
        foreach (var child in archive.ChildrenOf(node.Id))
        {
            var reason = child.Status.Reason ?? string.Empty;
            if (reason.StartsWith(SearchArchive.NoveltyPrefix, StringComparison.Ordinal) || reason.StartsWith(SearchArchive.ModelFailurePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var childScore = child.Status.State == VariantState.Accepted ? TrainScore(TrainScores(child)) : null;
            if (child.Status.State == VariantState.Accepted && childScore is null)
            {
                continue; // not evaluated yet
            }

            if (childScore is { } c && score is { } p && c > p)
            {
                improved++;
            }
            else
            {
                notImproved++;
            }
        }

        var shown = train.OrderBy(t => t.Key, StringComparer.Ordinal).Take(ParentChoice.MaxTaskScores).ToDictionary(StringComparer.Ordinal);
        return new ParentCandidate(node.Id, node.Parent, archive.GenerationOf(node.Id), score, shown, archive.ChildrenOf(node.Id).Count, improved, notImproved);
    }

    /// <summary>The train task scores of a node, by task id: only keys of the train split (the staged subset counts as
    /// train); validation and test keys never pass.</summary>
    private static Dictionary<string, double> TrainScores(SearchNode node)
    {
        const string prefix = "train/";
        return node.TaskScores.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Key[prefix.Length..], t => t.Value, StringComparer.Ordinal);
    }

    private static double? TrainScore(Dictionary<string, double> train) => train.Count == 0 ? null : train.Values.Average();
}

/// <summary>What a selector call gave: the chosen id, or why the default strategy chooses instead.</summary>
/// <param name="Id">The chosen candidate's id, or <see langword="null"/>.</param>
/// <param name="Failure">Why there is no choice, or <see langword="null"/>.</param>
public sealed record AgentPick(string? Id, string? Failure)
{
    /// <summary>Runs <c>SelectParent</c> of <paramref name="agent"/> on <paramref name="view"/> in
    /// <paramref name="runner"/> with no capability at all, and checks the answer is one of the candidates.</summary>
    /// <param name="runner">The run's runner tier.</param>
    /// <param name="agent">The selector's compiled agent.</param>
    /// <param name="view">The view.</param>
    /// <param name="limits">The call's limits (the run's task limits).</param>
    /// <param name="cancellationToken">Stops the call.</param>
    public static async Task<AgentPick> RunAsync(IAgentRunner runner, CompiledAgent agent, ParentChoice view, RunLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(view);
        var outcome = await runner.SolveTaskAsync(agent, new TaskInvocation(AgentStrategy.SelectionTask, view.Seed, view), NoCapabilities.Instance, limits, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (!outcome.IsCompleted)
        {
            return new AgentPick(null, $"SelectParent ended {outcome.Label}: {AgentFilePaths.Escape($"{outcome.ExceptionType} {outcome.Detail}".Trim(), 300)}".TrimEnd(':', ' '));
        }

        var id = outcome.Answer ?? string.Empty;
        return view.Candidates.Any(c => c.Id == id)
            ? new AgentPick(id, null)
            : new AgentPick(null, $"SelectParent returned '{AgentFilePaths.Escape(id, 80)}', not a candidate id");
    }

    /// <summary>The selector asks for nothing: every capability is refused.</summary>
    private sealed class NoCapabilities : ICapabilityHandler
    {
        public static readonly NoCapabilities Instance = new();

        public ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HostReply.Fail("unknown-capability", "SelectParent has no capability: it chooses from its argument alone."));
    }
}
