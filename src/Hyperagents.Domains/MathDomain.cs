using System.Text.Json;
using static Hyperagents.Domains.AnswerJson;

namespace Hyperagents.Domains;

/// <summary>The <see cref="IDomain"/> plumbing shared by the math domains: a fixed task table, deterministic scoring,
/// and the answer prologue (a JSON object holding one array under a fixed key).</summary>
/// <remarks>Only this assembly can derive from it; each domain supplies its key, how it reads the array's items and its
/// exact check.</remarks>
public abstract class MathDomain : IDomain, IExactCheck
{
    private readonly MathTaskTable _tasks;
    private readonly string _key;
    private readonly string _formatHint;

    private protected MathDomain(
        string name,
        string description,
        bool higherIsBetter,
        string defaultTaskId,
        string parameterName,
        IEnumerable<MathInstance> instances,
        Func<MathInstance, string> describe,
        string key,
        string formatHint)
    {
        Name = name;
        Description = description;
        HigherIsBetter = higherIsBetter;
        DefaultTaskId = defaultTaskId;
        _key = key;
        _formatHint = formatHint;
        _tasks = new MathTaskTable(name, parameterName, instances, describe);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public bool Deterministic => true;

    /// <inheritdoc/>
    public bool HigherIsBetter { get; }

    /// <inheritdoc/>
    public abstract string RawFigure { get; }

    /// <inheritdoc/>
    public string? DefaultTaskId { get; }

    /// <inheritdoc/>
    public IReadOnlyList<TaskSpec> GetTasks(Split split) => _tasks.Get(split);

    /// <inheritdoc/>
    public double? GetReference(TaskSpec task) => _tasks.Resolve(task).Reference;

    /// <inheritdoc/>
    public TaskScore Evaluate(TaskSpec task, string answer) => Evaluate(task, answer, exact: false);

    /// <inheritdoc/>
    public TaskScore EvaluateExact(TaskSpec task, string answer) => Evaluate(task, answer, exact: true);

    private TaskScore Evaluate(TaskSpec task, string answer, bool exact)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var instance = _tasks.Resolve(task);
        using var document = TryParseObject(answer, out var error);
        if (document is null)
        {
            return TaskScore.Invalid(error + _formatHint);
        }

        if (!TryGetArray(document.RootElement, _key, out var array, out error))
        {
            return TaskScore.Invalid(error + _formatHint);
        }

        return exact ? EvaluateExact(instance, array) : Evaluate(instance, array);
    }

    /// <summary>Scores the array found under the key (at most <see cref="DomainLimits.MaxItems"/> items) for one
    /// instance; the array is valid only during the call.</summary>
    private protected abstract TaskScore Evaluate(MathInstance instance, JsonElement array);

    /// <summary>As <see cref="Evaluate(MathInstance, JsonElement)"/> with every tolerance at zero; the same unless the
    /// domain's check has a tolerance.</summary>
    private protected virtual TaskScore EvaluateExact(MathInstance instance, JsonElement array) => Evaluate(instance, array);

    /// <summary>An invalid score when the array does not hold exactly <paramref name="count"/> items (named
    /// <paramref name="noun"/> in the message), otherwise <see langword="null"/>.</summary>
    private protected static TaskScore? CheckCount(JsonElement array, int count, string noun) =>
        array.GetArrayLength() == count
            ? null
            : TaskScore.Invalid($"expected exactly {count} {noun}, got {array.GetArrayLength()}");

    /// <summary>Reads exactly <paramref name="count"/> rows of <paramref name="width"/> finite numbers each into
    /// <paramref name="values"/> (row i at [width·i, width·i + width)); on failure returns the invalid score, the
    /// error of a bad row followed by <paramref name="rowHint"/>.</summary>
    private protected TaskScore? TryReadRows(
        JsonElement array, int count, string noun, int width, string rowHint, out double[] values)
    {
        values = [];
        if (CheckCount(array, count, noun) is { } wrongCount)
        {
            return wrongCount;
        }

        var read = new double[width * count];
        var index = 0;
        foreach (var row in array.EnumerateArray())
        {
            if (!TryReadRow(row, width, $"{_key}[{index}]", read.AsSpan(width * index, width), out var error))
            {
                return TaskScore.Invalid(error + rowHint);
            }

            index++;
        }

        values = read;
        return null;
    }
}
