namespace Hyperagents;

/// <summary>What a hyperagent's <c>SelectParent</c> chooses from under <c>--selection agent</c>: the valid parents of
/// the run with their train evidence only. A copy made for this one call; changing it changes nothing in the run.</summary>
/// <remarks>
/// A hyperagent may declare, next to <c>ModifySelf</c>, a parent-selection entry point as a public static method of a
/// public class:
/// <code>public static string SelectParent(ParentChoice choice)</code>
/// It returns the <see cref="ParentCandidate.Id"/> of the next parent. It has no capability at all (no model, no
/// workspace, no log): whatever it returns, the host accepts only an id among <see cref="Candidates"/>; anything else,
/// an exception or a timeout, and the host's default strategy chooses instead (docs/search.md).
/// The view never holds a validation or test score, an answer or a file: only what the training split showed.
/// </remarks>
/// <param name="Attempt">The attempt the parent is chosen for, from 1.</param>
/// <param name="Seed">The run's seed for this choice: a <see cref="SeededRandom"/> built from it draws the same numbers
/// when the run is resumed or replayed.</param>
/// <param name="Candidates">The valid parents, at most <see cref="MaxCandidates"/>, in archive order.</param>
/// <param name="Omitted">How many valid parents were left out at the cap (the lowest train scores).</param>
public sealed record ParentChoice(int Attempt, ulong Seed, IReadOnlyList<ParentCandidate> Candidates, int Omitted)
{
    /// <summary>The most candidates a view lists: the ones with the highest train scores (ties: the earlier).</summary>
    public const int MaxCandidates = 128;

    /// <summary>The most per-task scores a candidate lists (the first task ids in ordinal order).</summary>
    public const int MaxTaskScores = 64;
}

/// <summary>One valid parent as <c>SelectParent</c> sees it.</summary>
/// <param name="Id">The variant id to return to choose it.</param>
/// <param name="Parent">Its parent's id; <see langword="null"/> for the seed.</param>
/// <param name="Generation">Its depth in the tree: 0 for the seed.</param>
/// <param name="TrainScore">The mean of its train task scores (the staged subset when it stopped there), or
/// <see langword="null"/> when it has none.</param>
/// <param name="TaskScores">Its mean score per train task, by task id (at most <see cref="ParentChoice.MaxTaskScores"/>).</param>
/// <param name="Children">How many attempts it parented so far.</param>
/// <param name="ChildrenImproved">Children accepted with a train score above its own.</param>
/// <param name="ChildrenNotImproved">Children rejected, failed, or not above its train score (refusals for novelty and
/// failures of the model or the budget are not counted).</param>
public sealed record ParentCandidate(
    string Id,
    string? Parent,
    int Generation,
    double? TrainScore,
    IReadOnlyDictionary<string, double> TaskScores,
    int Children,
    int ChildrenImproved,
    int ChildrenNotImproved);
