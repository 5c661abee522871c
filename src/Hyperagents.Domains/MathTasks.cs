using System.Globalization;
using System.Text;

namespace Hyperagents.Domains;

/// <summary>One instance of a math domain: its id, split, size parameter and reference value with its provenance.</summary>
internal sealed record MathInstance(string Id, Split Split, int Size, double Reference, string ReferenceSource);

/// <summary>The task table shared by the math domains: instances by split, their <see cref="TaskSpec"/>s, lookup.</summary>
internal sealed class MathTaskTable
{
    private readonly Dictionary<string, (MathInstance Instance, TaskSpec Spec)> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<Split, TaskSpec[]> _bySplit;

    public MathTaskTable(string domain, string parameterName, IEnumerable<MathInstance> instances, Func<MathInstance, string> describe)
    {
        Domain = domain;
        foreach (var instance in instances)
        {
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [parameterName] = instance.Size.ToString(CultureInfo.InvariantCulture),
            };
            var spec = new TaskSpec(domain, instance.Id, describe(instance), parameters, Input: null);
            _byId.Add(instance.Id, (instance, spec));
        }

        _bySplit = Enum.GetValues<Split>().ToDictionary(
            split => split,
            split => _byId.Values.Where(e => e.Instance.Split == split).Select(e => e.Spec).ToArray());
    }

    public string Domain { get; }

    public IReadOnlyList<TaskSpec> Get(Split split) => _bySplit[split];

    /// <summary>The instance a task names; the host's own table is authoritative, not the task's parameters.</summary>
    public MathInstance Resolve(TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!string.Equals(task.Domain, Domain, StringComparison.Ordinal) || !_byId.TryGetValue(task.Id, out var entry))
        {
            throw new ArgumentException(
                $"Task '{task.Domain}/{task.Id}' is not a task of domain '{Domain}'; its tasks are {string.Join(", ", _byId.Keys)}.",
                nameof(task));
        }

        return entry.Instance;
    }
}

/// <summary>Collects problems with an answer and renders the first few, with a total, as feedback.</summary>
internal sealed class Problems
{
    private const int Shown = 3;
    private readonly List<string> _first = [];

    public int Count { get; private set; }

    public bool Any => Count > 0;

    public void Add(string problem)
    {
        if (_first.Count < Shown)
        {
            _first.Add(problem);
        }

        Count++;
    }

    public TaskScore ToInvalid(string hint)
    {
        var text = new StringBuilder("invalid: ");
        text.AppendJoin("; ", _first);
        if (Count > _first.Count)
        {
            text.Append(CultureInfo.InvariantCulture, $"; and {Count - _first.Count} more problem(s) of this kind");
        }

        if (hint.Length > 0)
        {
            text.Append(". ").Append(hint);
        }

        return TaskScore.Invalid(text.ToString());
    }
}
