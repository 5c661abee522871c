using Hyperagents.Archive;
using Hyperagents.Hosting.Sessions;

namespace Hyperagents.Engine;

/// <summary>The shared answer pool of a <c>--share-best</c> run (fanout's shared solution pool): per train task, the best
/// answer archived so far, read from the train answers the archive recorded (<see cref="TaskEvaluation.Text"/>).</summary>
/// <remarks>
/// "Best" is the highest score on the task over every recorded train or staged draw of every variant; ties go to the
/// smaller answer hash, so the pool depends on the archived evaluations only, never on the order they are read in. An
/// attempt takes its snapshot when it begins, so what its child is served is the best among the variants archived
/// before it; each draw records the hash of what it was served (<see cref="TaskEvaluation.SharedBest"/>), and
/// <c>replay</c> serves the text with that hash again. Only valid answers within <see cref="SharedBestGrant.MaxChars"/>
/// are recorded, and only train draws: no val or test answer ever enters the pool.
/// </remarks>
public sealed class SharedPool
{
    private readonly Dictionary<string, (double Score, string Hash, string Text)> _best = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byHash = new(StringComparer.Ordinal);

    /// <summary>An empty pool.</summary>
    public static SharedPool Empty { get; } = new();

    /// <summary>The pool of a run's archive as it stands.</summary>
    /// <param name="archive">The run.</param>
    public static SharedPool Of(ArchiveRun archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var pool = new SharedPool();
        foreach (var v in archive.ListVariants())
        {
            foreach (var e in archive.GetEvaluations(v.Id))
            {
                foreach (var (split, evaluation) in e.Splits)
                {
                    if (IsTrain(split))
                    {
                        pool.AddAll(evaluation.Tasks);
                    }
                }
            }
        }

        return pool;
    }

    /// <summary>Whether draws of the split may use and feed the pool: <c>train</c> and <c>staged</c> (train tasks) only.</summary>
    /// <param name="split">The split's archive name.</param>
    public static bool IsTrain(string split) => split is SplitNames.Train or SplitNames.Staged;

    /// <summary>The grant for a task: its best answer, or an empty grant when none is archived yet.</summary>
    /// <param name="taskId">The train task.</param>
    public SharedBestGrant GrantFor(string taskId) => new(_best.TryGetValue(taskId, out var best) ? best.Text : null);

    /// <summary>The recorded answer text with this hash, or <see langword="null"/>.</summary>
    /// <param name="hash">An answer hash (<see cref="ScoreStatistics.AnswerHash"/>).</param>
    public string? FindByHash(string hash) => _byHash.GetValueOrDefault(hash);

    /// <summary>The text to record for a train draw's answer: the answer when it is valid and within the cap.</summary>
    /// <param name="result">The draw's result.</param>
    public static string? Recordable(TaskResult result) =>
        result is { Outcome: "completed", Answer: { Length: <= SharedBestGrant.MaxChars } answer } ? answer : null;

    private void AddAll(IEnumerable<TaskEvaluation> tasks)
    {
        foreach (var t in tasks)
        {
            // A note is evidence, not trusted input: the text must hash to the recorded answer and fit the cap.
            if (t is not { Outcome: "completed", Text: { Length: <= SharedBestGrant.MaxChars } text } || ScoreStatistics.AnswerHash(text) is var hash && hash != t.Answer)
            {
                continue;
            }

            _byHash.TryAdd(hash, text);
            if (!_best.TryGetValue(t.Task, out var best) || t.Score > best.Score || (t.Score == best.Score && string.CompareOrdinal(hash, best.Hash) < 0))
            {
                _best[t.Task] = (t.Score, hash, text);
            }
        }
    }
}
