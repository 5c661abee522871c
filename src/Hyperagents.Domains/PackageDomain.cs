using System.Text.Json;

namespace Hyperagents.Domains;

/// <summary>What a package's evaluator said about one answer, or why it could not say.</summary>
/// <param name="Valid">Whether the answer is valid.</param>
/// <param name="Raw">The raw figure (0 when invalid).</param>
/// <param name="Feedback">Feedback for the agent, already capped.</param>
/// <param name="Fault">Why the evaluator failed (threw, ran out of time or memory, returned a non-finite figure), or
/// <see langword="null"/> when it gave a verdict.</param>
public sealed record PackageVerdict(bool Valid, double Raw, string Feedback, string? Fault = null)
{
    /// <summary>An evaluator failure.</summary>
    /// <param name="fault">What went wrong, in one line.</param>
    public static PackageVerdict Failed(string fault) => new(false, 0, "", fault);
}

/// <summary>Runs a package's evaluator outside the host's trust (the composition root supplies the evaluator worker).</summary>
public interface IPackageEvaluator : IDisposable
{
    /// <summary>Compiles and loads the evaluator, so that a package that cannot work fails before a run starts.</summary>
    /// <exception cref="DomainPackageException">The evaluator does not compile or breaks the evaluator policy.</exception>
    void Load();

    /// <summary>Scores one answer. Never throws for a faulty evaluator: the fault is in the verdict.</summary>
    /// <param name="task">The task.</param>
    /// <param name="answer">The answer text.</param>
    /// <param name="codeRuns">For answer kind <c>csharp</c>, what running the answer gave.</param>
    PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns);

    /// <summary>Scores one answer, as the exact re-check when <paramref name="exact"/> (the evaluator sees
    /// <c>EvalInput.Exact</c>). Never throws for a faulty evaluator.</summary>
    /// <param name="task">The task.</param>
    /// <param name="answer">The answer text.</param>
    /// <param name="codeRuns">For answer kind <c>csharp</c>, what running the answer gave.</param>
    /// <param name="exact">Whether every tolerance is to be zero.</param>
    PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns, bool exact) => Evaluate(task, answer, codeRuns);

    /// <summary>Lets up to <paramref name="parallelism"/> evaluations run at once, when the evaluator can (a
    /// <see cref="PooledEvaluator"/>); otherwise nothing.</summary>
    /// <param name="parallelism">How many evaluations the command may run at once (its runner's capacity).</param>
    void UseParallelism(int parallelism)
    {
    }
}

/// <summary>A domain defined by a <see cref="DomainPackage"/>: tasks from its manifest, scores from its evaluator,
/// normalised as its manifest says. The loop sees an <see cref="IDomain"/> like any other.</summary>
public sealed class PackageDomain : IDomain, IExactCheck, IDisposable
{
    private readonly IPackageEvaluator _evaluator;
    private readonly ICodeAnswerRunner? _codeRunner;

    /// <summary>Creates the domain.</summary>
    /// <param name="package">The package.</param>
    /// <param name="evaluator">Runs the package's evaluator; disposed with the domain.</param>
    /// <param name="codeRunner">Runs C#-source answers (answer kind <c>csharp</c> only); disposed with the domain when it
    /// is <see cref="IDisposable"/>.</param>
    public PackageDomain(DomainPackage package, IPackageEvaluator evaluator, ICodeAnswerRunner? codeRunner = null)
    {
        Package = package ?? throw new ArgumentNullException(nameof(package));
        _evaluator = evaluator ?? throw new ArgumentNullException(nameof(evaluator));
        _codeRunner = codeRunner;
    }

    /// <summary>The package.</summary>
    public DomainPackage Package { get; }

    /// <summary>What runs C#-source answers, or <see langword="null"/> when none is configured.</summary>
    public ICodeAnswerRunner? CodeRunner => _codeRunner;

    /// <inheritdoc/>
    public string Name => Package.Name;

    /// <inheritdoc/>
    public string Description => Package.Description;

    /// <inheritdoc/>
    public bool Deterministic => true;

    /// <inheritdoc/>
    public bool HigherIsBetter => Package.HigherIsBetter;

    /// <inheritdoc/>
    public string RawFigure => Package.RawFigure;

    /// <inheritdoc/>
    public string? DefaultTaskId => Package.DefaultTaskId;

    /// <inheritdoc/>
    public IReadOnlyList<TaskSpec> GetTasks(Split split) =>
        Package.Tasks.Where(t => t.Split == split).Select(ToSpec).ToList();

    /// <inheritdoc/>
    public double? GetReference(TaskSpec task) => Find(task).Reference;

    /// <summary>The best raw figure known for a task, when the manifest gives one.</summary>
    /// <param name="task">A task of this domain.</param>
    public double? GetBestKnown(TaskSpec task) => Find(task).BestKnown;

    /// <inheritdoc/>
    public TaskScore Evaluate(TaskSpec task, string answer) => Evaluate(task, answer, exact: false);

    /// <inheritdoc/>
    public TaskScore EvaluateExact(TaskSpec task, string answer) => Evaluate(task, answer, exact: true);

    private TaskScore Evaluate(TaskSpec task, string answer, bool exact)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var spec = Find(task);
        // The manifest's answerFormat, when given, tells the agent what a rejected JSON answer should have looked like.
        var expected = Package.Answer == AnswerKind.Json && Package.AnswerFormat is { } format ? "; expected " + format : "";
        if (answer.Length > DomainLimits.MaxAnswerChars)
        {
            return TaskScore.Invalid($"answer too large: {answer.Length:N0} characters, at most {DomainLimits.MaxAnswerChars:N0} allowed{expected}");
        }

        CodeRunReport? runs = null;
        switch (Package.Answer)
        {
            case AnswerKind.Json:
                using (var document = AnswerJson.TryParseValue(answer, out var error))
                {
                    if (document is null)
                    {
                        return TaskScore.Invalid(error + expected);
                    }

                    answer = document.RootElement.GetRawText();
                }

                break;
            case AnswerKind.CSharp:
                if (_codeRunner is null)
                {
                    return Fault("this domain's answers are C# source, and no code runner is configured to run them");
                }

                // Models often wrap source in a Markdown fence; the source is what compiles and what the evaluator sees.
                answer = AnswerJson.StripFence(answer.AsSpan().Trim()).ToString();

                // IDomain.Evaluate is synchronous; the runner's own deadline bounds this wait.
                runs = _codeRunner.RunAsync(answer, spec.Entry ?? Package.Entry!, spec.Calls, CancellationToken.None).GetAwaiter().GetResult();
                break;
        }

        var verdict = _evaluator.Evaluate(spec, answer, runs, exact);
        if (verdict.Fault is not null)
        {
            return Fault(verdict.Fault);
        }

        var feedback = DomainLimits.Cap(verdict.Feedback, Package.Limits.FeedbackChars);
        if (!verdict.Valid)
        {
            return new TaskScore(false, 0, null, feedback);
        }

        if (!double.IsFinite(verdict.Raw))
        {
            return Fault($"it returned a raw figure of {verdict.Raw} for a valid answer; figures must be finite");
        }

        var score = Package.Normalise switch
        {
            Normalisation.Raw => verdict.Raw,
            _ when Package.HigherIsBetter => verdict.Raw / spec.Reference!.Value,
            _ => verdict.Raw > 0 ? spec.Reference!.Value / verdict.Raw : double.NaN,
        };
        if (!double.IsFinite(score) || score < 0)
        {
            return Fault($"its raw figure {verdict.Raw} gives the score {score}; a lower-is-better figure must be > 0 and a score ≥ 0");
        }

        return new TaskScore(true, score, verdict.Raw, feedback);
    }

    /// <summary>Lets up to <paramref name="parallelism"/> evaluations of this domain run at once (each in an evaluator
    /// worker of its own); commands call it with their runner's capacity.</summary>
    /// <param name="parallelism">How many evaluations may run at once.</param>
    public void UseParallelism(int parallelism) => _evaluator.UseParallelism(parallelism);

    /// <summary>Ends the evaluator worker (and the code runner, when it is disposable).</summary>
    public void Dispose()
    {
        _evaluator.Dispose();
        (_codeRunner as IDisposable)?.Dispose();
    }

    private TaskScore Fault(string what) =>
        new(false, 0, null, DomainLimits.Cap($"evaluator failure in domain package '{Name}': {what}")) { Fault = what };

    private PackageTask Find(TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Domain == Name && Package.FindTask(task.Id) is { } found
            ? found
            : throw new ArgumentException($"Task '{task.Domain}/{task.Id}' is not a task of domain package '{Name}'.", nameof(task));
    }

    private TaskSpec ToSpec(PackageTask task) => new(Name, task.Id, task.Description, task.Parameters, task.Input);
}
