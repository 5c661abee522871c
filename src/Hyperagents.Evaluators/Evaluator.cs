namespace Hyperagents.Evaluators;

/// <summary>A domain package's evaluator: scores one answer to one task. The package's evaluator files define exactly
/// one public, non-abstract class implementing it, with a public parameterless constructor.</summary>
/// <remarks>
/// The evaluator runs in an evaluator worker process, compiled under the evaluator policy (deterministic BCL, maths,
/// collections, LINQ, <c>System.Text.Json</c>'s <c>JsonDocument</c>; no files, clock, threads, reflection or
/// environment), with a deadline and a memory limit from the package manifest. It must be a deterministic function of
/// its input. An answer that is wrong or malformed is an invalid <see cref="EvaluationResult"/>, not an exception: an
/// exception, a timeout, running out of memory or a non-finite figure is an evaluator failure, reported to the user as
/// a fault of the package.
/// </remarks>
public interface IEvaluator
{
    /// <summary>Scores one answer.</summary>
    /// <param name="input">The task, the answer and read-only access to the package's own files.</param>
    /// <returns>The verdict: valid with a raw figure, or invalid with a reason.</returns>
    EvaluationResult Evaluate(EvalInput input);
}

/// <summary>What an evaluator is asked to score.</summary>
public sealed class EvalInput
{
    /// <summary>Creates an input (the runtime does; evaluators only read it).</summary>
    /// <param name="task">The task.</param>
    /// <param name="answer">The answer text the agent returned.</param>
    /// <param name="data">The package's files, read-only.</param>
    /// <param name="codeRuns">For answer kind <c>csharp</c>: what calling the answer on the task's inputs gave.</param>
    public EvalInput(EvalTask task, string answer, IPackageData data, CodeRuns? codeRuns)
    {
        Task = task ?? throw new ArgumentNullException(nameof(task));
        Answer = answer ?? throw new ArgumentNullException(nameof(answer));
        Data = data ?? throw new ArgumentNullException(nameof(data));
        CodeRuns = codeRuns;
    }

    /// <summary>The task, as the manifest declares it.</summary>
    public EvalTask Task { get; }

    /// <summary>The answer text the agent returned (for answer kind <c>json</c>, already checked to be one JSON value).</summary>
    public string Answer { get; }

    /// <summary>The package's own files (manifest, evaluator, data), read-only.</summary>
    public IPackageData Data { get; }

    /// <summary>For answer kind <c>csharp</c>: the compile outcome and one run per call the task lists; otherwise
    /// <see langword="null"/>.</summary>
    public CodeRuns? CodeRuns { get; }

    /// <summary>Whether this is the exact re-check the loop runs before a child becomes the run's best: an evaluator
    /// whose checks have a tolerance (overlap, containment, numeric match) must apply none, or decide in exact
    /// arithmetic, so that an answer valid only within the tolerance is invalid. An evaluator without tolerances ignores it.</summary>
    public bool Exact { get; init; }
}

/// <summary>One task of a domain package, as its manifest declares it.</summary>
public sealed class EvalTask
{
    /// <summary>Creates a task (the runtime does).</summary>
    /// <param name="id">The task id.</param>
    /// <param name="split">The split: <c>train</c>, <c>val</c> or <c>test</c>.</param>
    /// <param name="parameters">The task's parameters.</param>
    /// <param name="input">The input text shown to the agent, or <see langword="null"/>.</param>
    /// <param name="dataFile">The package path of the task's private data file, or <see langword="null"/>.</param>
    /// <param name="reference">The raw figure at which the normalised score is 1, or <see langword="null"/>.</param>
    public EvalTask(string id, string split, IReadOnlyDictionary<string, string> parameters, string? input, string? dataFile, double? reference)
    {
        Id = id ?? throw new ArgumentNullException(nameof(id));
        Split = split ?? throw new ArgumentNullException(nameof(split));
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        Input = input;
        DataFile = dataFile;
        Reference = reference;
    }

    /// <summary>The task id, unique in the package.</summary>
    public string Id { get; }

    /// <summary>The split: <c>train</c>, <c>val</c> or <c>test</c>.</summary>
    public string Split { get; }

    /// <summary>The task's parameters, as strings.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>The input text shown to the agent, or <see langword="null"/>.</summary>
    public string? Input { get; }

    /// <summary>The package path of the task's private data file (never shown to agents), or <see langword="null"/>.</summary>
    public string? DataFile { get; }

    /// <summary>The raw figure at which the normalised score is 1, or <see langword="null"/>.</summary>
    public double? Reference { get; }

    /// <summary>Reads an integer parameter.</summary>
    /// <param name="name">The parameter name.</param>
    /// <exception cref="KeyNotFoundException">No such parameter.</exception>
    /// <exception cref="FormatException">Not an integer.</exception>
    public int GetInt(string name) => int.Parse(Parameters[name], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Read-only access to the files of the evaluator's own package; nothing else on disk is reachable.</summary>
public interface IPackageData
{
    /// <summary>Every file path of the package, '/'-separated, in ordinal order.</summary>
    IReadOnlyList<string> Paths { get; }

    /// <summary>Whether the package has a file at <paramref name="path"/>.</summary>
    /// <param name="path">A package path such as <c>data/answers.json</c>.</param>
    bool Exists(string path);

    /// <summary>A package file as UTF-8 text.</summary>
    /// <param name="path">A package path such as <c>data/answers.json</c>.</param>
    /// <exception cref="KeyNotFoundException">The package has no such file.</exception>
    string ReadText(string path);

    /// <summary>A package file's bytes (a copy).</summary>
    /// <param name="path">A package path.</param>
    /// <exception cref="KeyNotFoundException">The package has no such file.</exception>
    byte[] ReadBytes(string path);
}

/// <summary>For answer kind <c>csharp</c>: the outcome of compiling the answer and calling its entry method once per
/// call the task lists.</summary>
public sealed class CodeRuns
{
    /// <summary>Creates the report (the runtime does).</summary>
    /// <param name="compiled">Whether the answer compiled and passed the capability gate.</param>
    /// <param name="compileError">Why not, when it did not.</param>
    /// <param name="calls">The arguments of each call, one JSON array each.</param>
    /// <param name="runs">One run per call, in order; empty when the answer did not compile.</param>
    public CodeRuns(bool compiled, string? compileError, IReadOnlyList<string> calls, IReadOnlyList<CodeCall> runs)
    {
        Compiled = compiled;
        CompileError = compileError;
        Calls = calls ?? throw new ArgumentNullException(nameof(calls));
        Runs = runs ?? throw new ArgumentNullException(nameof(runs));
    }

    /// <summary>Whether the answer compiled and passed the capability gate.</summary>
    public bool Compiled { get; }

    /// <summary>The compiler's or gate's message when not <see cref="Compiled"/>.</summary>
    public string? CompileError { get; }

    /// <summary>The arguments of each call, one JSON array each, in order.</summary>
    public IReadOnlyList<string> Calls { get; }

    /// <summary>One run per call, in order; empty when not <see cref="Compiled"/>.</summary>
    public IReadOnlyList<CodeCall> Runs { get; }
}

/// <summary>What one call of a C#-source answer gave.</summary>
public sealed class CodeCall
{
    /// <summary>Creates a run (the runtime does).</summary>
    /// <param name="ok">Whether the call returned.</param>
    /// <param name="outputJson">The returned value as JSON, when it returned.</param>
    /// <param name="error">Why it failed (threw, timed out, ran out of memory), when it did not.</param>
    public CodeCall(bool ok, string? outputJson, string? error)
    {
        Ok = ok;
        OutputJson = outputJson;
        Error = error;
    }

    /// <summary>Whether the call returned.</summary>
    public bool Ok { get; }

    /// <summary>The returned value as JSON when <see cref="Ok"/>.</summary>
    public string? OutputJson { get; }

    /// <summary>Why the call failed, in one line, when not <see cref="Ok"/>.</summary>
    public string? Error { get; }
}

/// <summary>An evaluator's verdict on one answer. The runtime normalises <see cref="Raw"/> into the score as the
/// manifest says (<c>score.normalise</c>), so every package's scores mean the same thing.</summary>
public sealed class EvaluationResult
{
    private EvaluationResult(bool valid, double raw, string feedback)
    {
        Valid = valid;
        Raw = raw;
        Feedback = feedback ?? string.Empty;
    }

    /// <summary>Whether the answer is a well-formed, feasible solution.</summary>
    public bool Valid { get; }

    /// <summary>The figure of merit recomputed from the answer (0 when invalid). It must be finite.</summary>
    public double Raw { get; }

    /// <summary>Short text for the agent: what was wrong, or the figure. The runtime truncates it to the manifest's
    /// <c>limits.feedbackChars</c>.</summary>
    public string Feedback { get; }

    /// <summary>A valid answer with its raw figure.</summary>
    /// <param name="raw">The figure of merit; must be finite.</param>
    /// <param name="feedback">Short text for the agent.</param>
    public static EvaluationResult Ok(double raw, string feedback = "") => new(true, raw, feedback);

    /// <summary>An invalid answer (scores 0).</summary>
    /// <param name="reason">What is wrong with it, for the agent.</param>
    public static EvaluationResult Invalid(string reason) => new(false, 0, reason);
}
