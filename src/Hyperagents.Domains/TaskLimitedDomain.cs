namespace Hyperagents.Domains;

/// <summary>A domain seen through a task limit: the first <see cref="TasksPerSplit"/> tasks of each split, in the
/// domain's order; everything else (evaluation, references, evaluator hash) is the inner domain's. A run's
/// <c>--tasks</c> setting, so that a domain with many tasks can be tried on a few.</summary>
public sealed class TaskLimitedDomain : IDomain, IDisposable
{
    /// <summary>Creates the view.</summary>
    /// <param name="inner">The domain; disposed with this view when disposable.</param>
    /// <param name="tasksPerSplit">At most this many tasks of each split; at least 1.</param>
    public TaskLimitedDomain(IDomain inner, int tasksPerSplit)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfLessThan(tasksPerSplit, 1);
        TasksPerSplit = tasksPerSplit;
    }

    /// <summary>The domain seen through the limit.</summary>
    public IDomain Inner { get; }

    /// <summary>At most this many tasks of each split.</summary>
    public int TasksPerSplit { get; }

    /// <inheritdoc/>
    public string Name => Inner.Name;

    /// <inheritdoc/>
    public string Description => Inner.Description;

    /// <inheritdoc/>
    public bool Deterministic => Inner.Deterministic;

    /// <inheritdoc/>
    public bool HigherIsBetter => Inner.HigherIsBetter;

    /// <inheritdoc/>
    public string RawFigure => Inner.RawFigure;

    /// <inheritdoc/>
    public string? DefaultTaskId => Inner.DefaultTaskId;

    /// <inheritdoc/>
    public IReadOnlyList<TaskSpec> GetTasks(Split split) => Inner.GetTasks(split).Take(TasksPerSplit).ToList();

    /// <inheritdoc/>
    public double? GetReference(TaskSpec task) => Inner.GetReference(task);

    /// <inheritdoc/>
    public TaskScore Evaluate(TaskSpec task, string answer) => Inner.Evaluate(task, answer);

    /// <summary>Disposes the inner domain when it is disposable.</summary>
    public void Dispose() => (Inner as IDisposable)?.Dispose();
}
