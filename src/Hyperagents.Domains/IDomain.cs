namespace Hyperagents.Domains;

/// <summary>Which task set of a domain: <see cref="Train"/> is shown to agents with feedback, <see cref="Val"/> drives
/// parent selection, <see cref="Test"/> is held out and only evaluated on request.</summary>
public enum Split
{
    /// <summary>Training tasks; their feedback may reach the meta agent.</summary>
    Train,

    /// <summary>Validation tasks; their scores select parents and are never shown to agents.</summary>
    Val,

    /// <summary>Held-out test tasks; evaluated only on request or after a run.</summary>
    Test,
}

/// <summary>The evaluator's verdict on one answer to one task.</summary>
/// <param name="Valid">Whether the answer is a well-formed, feasible solution of the task.</param>
/// <param name="Score">The normalised score: higher is better, 1 at the task's reference value, 0 when invalid. It may
/// exceed 1 when an answer beats the reference.</param>
/// <param name="Raw">The figure of merit the domain recomputed from the answer (e.g. the sum of radii), or
/// <see langword="null"/> when the answer is invalid.</param>
/// <param name="Feedback">Short text for an agent (at most <see cref="DomainLimits.MaxFeedbackChars"/> characters):
/// what was wrong, or the figure and how it compares with the reference.</param>
public sealed record TaskScore(bool Valid, double Score, double? Raw, string Feedback)
{
    /// <summary>Why the evaluator itself failed (a domain package's evaluator threw, ran out of time or memory, or
    /// returned a non-finite figure), or <see langword="null"/> when it judged the answer. A fault scores 0 but is never
    /// an ordinary invalid answer: the task's status says so.</summary>
    public string? Fault { get; init; }

    internal static TaskScore Invalid(string feedback) => new(false, 0, null, DomainLimits.Cap(feedback));
}

/// <summary>A problem family with train, validation and test tasks and a host-side evaluator.</summary>
/// <remarks>
/// Evaluators are deterministic functions of the task and the answer text: they recompute every figure from the
/// answer, ignore any score an answer claims, and reject NaN, infinities and oversized input. Evaluation never throws
/// for a bad answer; an answer that cannot be parsed is an invalid <see cref="TaskScore"/>. Implementations are
/// thread-safe.
/// </remarks>
public interface IDomain
{
    /// <summary>The domain name used on the command line and in run configuration, e.g. <c>circle-packing</c>.</summary>
    string Name { get; }

    /// <summary>One paragraph describing the problem family.</summary>
    string Description { get; }

    /// <summary>Whether <see cref="Evaluate"/> returns the same verdict for the same task and answer every time.</summary>
    bool Deterministic { get; }

    /// <summary>Whether a larger <see cref="TaskScore.Raw"/> figure is better (the normalised score is always higher-better).</summary>
    bool HigherIsBetter { get; }

    /// <summary>The short name of the raw figure (<see cref="TaskScore.Raw"/>) shown next to normalised scores, e.g.
    /// <c>Σr</c> or <c>accuracy</c>.</summary>
    string RawFigure => "raw";

    /// <summary>The id of the task the command line scores when none is named (the published instance), or
    /// <see langword="null"/> when the domain has no such default.</summary>
    string? DefaultTaskId { get; }

    /// <summary>The tasks of one split, in a stable order.</summary>
    /// <param name="split">The split.</param>
    IReadOnlyList<TaskSpec> GetTasks(Split split);

    /// <summary>The raw figure at which the normalised score is 1 for a task, or <see langword="null"/> when the
    /// domain has none (e.g. the dataset domain, whose score is 0 or 1).</summary>
    /// <param name="task">A task of this domain.</param>
    double? GetReference(TaskSpec task);

    /// <summary>Scores an answer to a task of this domain.</summary>
    /// <param name="task">A task returned by <see cref="GetTasks"/>.</param>
    /// <param name="answer">The answer text produced by the agent.</param>
    /// <exception cref="ArgumentException">The task does not belong to this domain.</exception>
    TaskScore Evaluate(TaskSpec task, string answer);
}

/// <summary>Helpers over any <see cref="IDomain"/>.</summary>
public static class DomainExtensions
{
    /// <summary>All tasks with their split, train first.</summary>
    /// <param name="domain">The domain.</param>
    public static IEnumerable<(Split Split, TaskSpec Task)> AllTasks(this IDomain domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
        {
            foreach (var task in domain.GetTasks(split))
            {
                yield return (split, task);
            }
        }
    }

    /// <summary>Finds a task by id in any split.</summary>
    /// <param name="domain">The domain.</param>
    /// <param name="taskId">The task id, e.g. <c>n26</c>.</param>
    /// <returns>The task and its split, or <see langword="null"/> when there is no such task.</returns>
    public static (Split Split, TaskSpec Task)? FindTask(this IDomain domain, string taskId)
    {
        foreach (var entry in domain.AllTasks())
        {
            if (string.Equals(entry.Task.Id, taskId, StringComparison.Ordinal))
            {
                return entry;
            }
        }

        return null;
    }
}

/// <summary>Size limits every evaluator enforces on answers and feedback.</summary>
public static class DomainLimits
{
    /// <summary>The longest answer text accepted, in characters (10 MB of ASCII).</summary>
    public const int MaxAnswerChars = 10_000_000;

    /// <summary>The most vectors, points, circles or heights an answer may list.</summary>
    public const int MaxItems = 10_000;

    /// <summary>The most decimal digits of one integer coordinate (kissing number).</summary>
    public const int MaxIntegerDigits = 100;

    /// <summary>The longest feedback text, in characters.</summary>
    public const int MaxFeedbackChars = 1024;

    internal static string Cap(string feedback, int max = MaxFeedbackChars) =>
        feedback.Length <= max ? feedback : string.Concat(feedback.AsSpan(0, max - 1), "…");
}
