using Hyperagents.Archive;

namespace Hyperagents.Engine;

/// <summary>Something the loop did, for progress displays and tests. Listeners must not throw; if one does, the loop
/// logs it and carries on.</summary>
public abstract record RunEvent;

/// <summary>The seed was archived and evaluated.</summary>
/// <param name="VariantId">The seed's variant id.</param>
/// <param name="Score">Its selection score (the mean over the selection split's draws).</param>
/// <param name="StdErr">The standard error of <paramref name="Score"/>, when known.</param>
public sealed record SeedEvaluated(string VariantId, double Score, double? StdErr = null) : RunEvent;

/// <summary>A parent was chosen for an attempt.</summary>
/// <param name="Attempt">The attempt number (1-based).</param>
/// <param name="ParentId">The parent.</param>
/// <param name="Selection">The weights and the draw.</param>
public sealed record ParentSelected(int Attempt, string ParentId, SelectionResult Selection) : RunEvent
{
    /// <summary>The strategy that chose (<see cref="SelectionStrategies"/>).</summary>
    public string Strategy { get; init; } = SelectionStrategies.Default;

    /// <summary>The meta model the UCB1 bandit chose for the attempt, or <see langword="null"/>.</summary>
    public string? Model { get; init; }
}

/// <summary>Something about how parents are chosen that the user should see: under <c>--selection agent</c>, that the
/// selector is absent or that it failed and the default strategy chose instead.</summary>
/// <param name="Attempt">The attempt concerned, or <see langword="null"/> for the whole run.</param>
/// <param name="Message">The line to show.</param>
public sealed record SelectionNote(int? Attempt, string Message) : RunEvent;

/// <summary>An attempt ended and was archived.</summary>
/// <param name="Attempt">The attempt number.</param>
/// <param name="VariantId">The child's variant id.</param>
/// <param name="ParentId">The parent's id.</param>
/// <param name="Status">accepted, rejected or failed, with the reason.</param>
/// <param name="Score">The child's selection score when evaluated.</param>
/// <param name="MetaFilesChanged">Whether the child changed meta files.</param>
/// <param name="StdErr">The standard error of <paramref name="Score"/>, when known.</param>
/// <param name="NewBest">Whether the child became the run's best: its paired gain over the incumbent beat noise.</param>
/// <param name="SameAnswersAsParent"><see langword="true"/> when the child answered exactly as its parent on every draw
/// (no behavioural change), <see langword="false"/> when some answer differs, <see langword="null"/> when not evaluated
/// or not comparable.</param>
public sealed record AttemptArchived(int Attempt, string VariantId, string ParentId, string Status, double? Score, bool MetaFilesChanged,
    double? StdErr = null, bool NewBest = false, bool? SameAnswersAsParent = null) : RunEvent
{
    /// <summary>The exact re-check run because the child contended for best (see <see cref="ExactRecheck"/>), or
    /// <see langword="null"/> when it did not contend.</summary>
    public ExactRecheck? ExactCheck { get; init; }
}

/// <summary>The run stopped.</summary>
/// <param name="Reason">Why: generations done, a budget, cancellation.</param>
/// <param name="Complete">Whether every planned attempt was made.</param>
public sealed record RunStopped(string Reason, bool Complete) : RunEvent;
