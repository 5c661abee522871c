using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;

namespace Hyperagents.Engine;

/// <summary>Options of a <see cref="CodeAnswerRunner"/>.</summary>
public sealed record CodeAnswerRunnerOptions
{
    /// <summary>The limits of one call of the answer's entry (one input).</summary>
    /// <value>Default: 10 s wall clock, 2 billion fuel (a few seconds of the sandbox's interpreter), 256 MiB, 1 MiB
    /// result.</value>
    public RunLimits Limits { get; init; } = new()
    {
        WallClock = TimeSpan.FromSeconds(10),
        Fuel = 2_000_000_000,
        MemoryBytes = 256L * 1024 * 1024,
        MaxOutputBytes = 16 * 1024,
        MaxMessageBytes = 1024 * 1024,
        MaxHostCalls = 16,
    };

    /// <summary>How long compiling and gating the answer may take.</summary>
    /// <value>Default 60 s, as for agent code.</value>
    public TimeSpan CompileTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many inputs run at once.</summary>
    /// <value>Default 2; at least 1.</value>
    public int Parallel { get; init; } = 2;

    /// <summary>The largest answer compiled, in characters; larger ones are refused without compiling.</summary>
    /// <value>Default 64 Ki characters.</value>
    public int MaxSourceChars { get; init; } = 64 * 1024;
}

/// <summary>Runs C#-source answers the way agent code runs: the answer plus a generated harness (<see cref="CodeHarness"/>)
/// is compiled through the host's <see cref="AgentCompiler"/> (so the same capability gate, and in the CLI the same
/// memory-bounded compile workers), then the entry is called in the given <see cref="IAgentRunner"/> (the run's tier;
/// the sandbox by default), never in this process.</summary>
/// <remarks>
/// Every input is its own call: the runner contract gives each call a fresh isolate and its own limits, so an endless
/// loop, a stack overflow, an exhausted heap or static state in one input can neither take the other inputs' results
/// down nor change them. The price is one isolate start per input (about 20 ms in the sandbox), small next to the
/// compile. The answer's calls get no model and no capabilities beyond a task session without one.
/// </remarks>
public sealed class CodeAnswerRunner : ICodeAnswerRunner
{
    private readonly AgentCompiler _compiler;
    private readonly IAgentRunner _runner;
    private readonly CodeAnswerRunnerOptions _options;

    /// <summary>Creates a runner.</summary>
    /// <param name="compiler">The host's compiler (the gate agent code compiles through).</param>
    /// <param name="runner">Where the answer's code runs.</param>
    /// <param name="options">Limits; defaults when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A limit is out of bounds.</exception>
    public CodeAnswerRunner(AgentCompiler compiler, IAgentRunner runner, CodeAnswerRunnerOptions? options = null)
    {
        _compiler = compiler ?? throw new ArgumentNullException(nameof(compiler));
        _runner = runner ?? throw new ArgumentNullException(nameof(runner));
        _options = options ?? new CodeAnswerRunnerOptions();
        _options.Limits.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Parallel, 1, nameof(CodeAnswerRunnerOptions.Parallel));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxSourceChars, 1, nameof(CodeAnswerRunnerOptions.MaxSourceChars));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The entry names a type the harness does not support (the domain's fault).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<CodeRunReport> RunAsync(string source, CodeEntry entry, IReadOnlyList<string> argumentsJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        var harness = CodeHarness.Generate(entry);
        if (source.Length > _options.MaxSourceChars)
        {
            return new CodeRunReport(false, $"The answer is {source.Length:N0} characters; the cap is {_options.MaxSourceChars:N0}. Send a shorter solution.", []);
        }

        var (agent, error) = Compile(source, harness, entry, cancellationToken);
        if (agent is null)
        {
            return new CodeRunReport(false, error, []);
        }

        var runs = new CodeRun[argumentsJson.Count];
        using var slots = new SemaphoreSlim(_options.Parallel);
        await Task.WhenAll(argumentsJson.Select(async (arguments, i) =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                runs[i] = await CallAsync(agent, entry, arguments, i, _options.Limits, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);

        // A call cut short by cancellation ends as an outcome; it must not pass for the answer's failure.
        cancellationToken.ThrowIfCancellationRequested();
        return new CodeRunReport(true, null, runs);
    }

    /// <summary>Runs every input in one call (one compile, one isolate): for checking trusted answers in bulk, such as a
    /// domain's reference solutions in tests and benchmarks. The inputs share the call's isolate and static state, and
    /// its limits scaled by the number of inputs, so a fault in one input fails them all: never use this to score an
    /// untrusted answer, which <see cref="RunAsync"/> isolates per input.</summary>
    /// <param name="source">The answer's C# source.</param>
    /// <param name="entry">The method to call.</param>
    /// <param name="argumentsJson">One JSON array of arguments per input.</param>
    /// <param name="cancellationToken">Stops the compile and the call.</param>
    /// <returns>The same report <see cref="RunAsync"/> gives; an exception in one input fails that input only.</returns>
    /// <exception cref="ArgumentException">The entry names a type the harness does not support (the domain's fault).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<CodeRunReport> RunBatchAsync(string source, CodeEntry entry, IReadOnlyList<string> argumentsJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        var (agent, error) = Compile(source, CodeHarness.Generate(entry, batch: true), entry, cancellationToken);
        if (agent is null)
        {
            return new CodeRunReport(false, error, []);
        }

        var n = Math.Max(1, argumentsJson.Count);
        var one = _options.Limits;
        var limits = one with
        {
            WallClock = TimeSpan.FromTicks(Math.Min(one.WallClock.Ticks * n, TimeSpan.FromHours(1).Ticks)),
            Fuel = one.Fuel * n,
            MaxMessageBytes = (int)Math.Min((long)one.MaxMessageBytes * n, 64L * 1024 * 1024),
        };
        var run = await CallAsync(agent, entry, "[" + string.Join(",", argumentsJson) + "]", 0, limits, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (!run.Ok)
        {
            return new CodeRunReport(true, null, argumentsJson.Select(_ => run).ToList());
        }

        using var results = System.Text.Json.JsonDocument.Parse(run.OutputJson!);
        var runs = results.RootElement.EnumerateArray()
            .Select(r => r.GetProperty("ok").GetBoolean()
                ? new CodeRun(true, r.GetProperty("output").GetRawText(), null)
                : new CodeRun(false, null, r.GetProperty("error").GetString()))
            .ToList();
        return new CodeRunReport(true, null, runs);
    }

    private (CompiledAgent? Agent, string? Error) Compile(string source, string harness, CodeEntry entry, CancellationToken cancellationToken)
    {
        AgentSource files;
        try
        {
            files = AgentSource.FromFiles(new Dictionary<string, string> { [CodeHarness.AnswerPath] = source, [CodeHarness.HarnessPath] = harness });
        }
        catch (AgentSourceException ex)
        {
            return (null, ex.Message);
        }

        var result = _compiler.CompileWithin(files, _options.CompileTimeout, cancellationToken);
        if (result.Success && result.Agent is not null)
        {
            return (result.Agent, null);
        }

        // The answer's own diagnostics come first and verbatim (a gate refusal reads exactly as for agent code); the
        // harness's only ever mean the answer does not define the entry as the task asks.
        var lines = result.Report.Diagnostics.Where(d => d.File != CodeHarness.HarnessPath).Select(d => d.File == CodeHarness.AnswerPath ? (d with { File = "answer" }).ToString() : d.ToString()).ToList();
        var harnessProblems = result.Report.Diagnostics.Where(d => d.File == CodeHarness.HarnessPath).ToList();
        if (harnessProblems.Count > 0)
        {
            lines.Add($"The answer must define 'public static {entry.ReturnType} {entry.MethodName}({string.Join(", ", entry.ParameterTypes)})' in a public class '{entry.TypeName}' outside any namespace; calling it failed: {harnessProblems[0].Id}: {harnessProblems[0].Message}");
        }

        return (null, lines.Count == 0 ? "The answer did not compile." : string.Join("\n", lines.Take(20)));
    }

    private async Task<CodeRun> CallAsync(CompiledAgent agent, CodeEntry entry, string arguments, int index, RunLimits limits, CancellationToken cancellationToken)
    {
        var session = AgentSession.ForTask(null, new SessionOptions { WallClock = limits.WallClock, MaxEvaluations = 0, MaxSnippets = 0, MaxModelCalls = 0 });
        var task = new TaskSpec("coding", $"{entry.MethodName}#{index}", "One call of a coding answer's entry.", new Dictionary<string, string>(), arguments);
        var outcome = await _runner.SolveTaskAsync(agent, new TaskInvocation(task, (ulong)index), session, limits, cancellationToken).ConfigureAwait(false);
        if (outcome.IsCompleted)
        {
            return new CodeRun(true, outcome.Answer ?? "null", null);
        }

        var detail = outcome.ExceptionType is null ? outcome.Detail : $"{outcome.ExceptionType}: {outcome.Detail}";
        var line = string.IsNullOrWhiteSpace(detail) ? outcome.Label : $"{outcome.Label}: {detail}";
        line = line.ReplaceLineEndings(" ");
        return new CodeRun(false, null, line.Length <= 500 ? line : line[..500] + "…");
    }
}
