namespace Hyperagents.Compiler;

/// <summary>
/// Compiling agent code from a file set (a seed folder read by <see cref="AgentSource.FromDirectory"/>, an archived
/// variant, a workspace, a snippet): the one place files become a <see cref="CompileResult"/> within a time limit. Files
/// that cannot be loaded and a compile that outlasts its time are failures with their <see cref="DiagnosticIds"/>, never
/// exceptions.
/// </summary>
public static class AgentCompiles
{
    /// <summary>Compiles a file set within <paramref name="timeout"/>; files that cannot be loaded fail with
    /// <see cref="DiagnosticIds.AgentProblem"/>, a longer compile with <see cref="DiagnosticIds.CompileTimeout"/>.</summary>
    /// <param name="compiler">The compiler.</param>
    /// <param name="files">The agent's files by relative path.</param>
    /// <param name="timeout">How long the compile may take.</param>
    /// <param name="cancellationToken">Stops the compile (then it throws).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static CompileResult CompileFiles(this AgentCompiler compiler, IReadOnlyDictionary<string, string> files, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        TryLoad(files, out var source, out var failure) ? compiler.CompileWithin(source, timeout, cancellationToken) : failure;

    /// <summary>Loads a file set, or gives the failed result that says why it cannot be loaded.</summary>
    /// <param name="files">The agent's files by relative path.</param>
    /// <param name="source">The loaded source, when this returns <see langword="true"/>.</param>
    /// <param name="failure">The failed result (<see cref="DiagnosticIds.AgentProblem"/>), when this returns <see langword="false"/>.</param>
    public static bool TryLoad(IReadOnlyDictionary<string, string> files, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AgentSource? source, out CompileResult failure)
    {
        try
        {
            source = AgentSource.FromFiles(files);
            failure = null!;
            return true;
        }
        catch (AgentSourceException ex)
        {
            source = null;
            failure = new CompileResult(new CompileReport(false, [new CompileDiagnostic(".", 1, 1, DiagnosticIds.AgentProblem, ex.Message)]), null, null);
            return false;
        }
    }

    /// <summary>Compiles agent code within <paramref name="timeout"/> of CPU time (the compile worker's, or this
    /// process's when compiling in process); a compile that uses more is a failure with
    /// <see cref="DiagnosticIds.CompileTimeout"/>, never a stall (Roslyn stops at its next cancellation check). A compile
    /// starved of CPU by a busy machine is given up only when the wall clock reaches
    /// <see cref="CompileClock.StarvedFactor"/> times the limit, with the same id and a message that says the machine,
    /// not the code, was the problem.</summary>
    /// <param name="compiler">The compiler.</param>
    /// <param name="source">The agent's source.</param>
    /// <param name="timeout">How much CPU time the compile may use.</param>
    /// <param name="cancellationToken">Stops the compile (then it throws).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static CompileResult CompileWithin(this AgentCompiler compiler, AgentSource source, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        CompileWithin(compiler, source, timeout, CompileClock.System, cancellationToken);

    /// <summary><see cref="CompileWithin(AgentCompiler, AgentSource, TimeSpan, CancellationToken)"/> with the given clocks.</summary>
    internal static CompileResult CompileWithin(AgentCompiler compiler, AgentSource source, TimeSpan timeout, CompileClock clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compiler);
        ArgumentNullException.ThrowIfNull(source);
        return Within((meter, token) => compiler.Compile(source, meter, token), timeout, clock,
            verdict => new CompileResult(new CompileReport(false, [new CompileDiagnostic(".", 1, 1, DiagnosticIds.CompileTimeout, verdict)]), null, null),
            cancellationToken);
    }

    /// <summary>Compiles a script submission within <paramref name="timeout"/> of CPU time, measured and reported as
    /// <see cref="CompileWithin(AgentCompiler, AgentSource, TimeSpan, CancellationToken)"/> does.</summary>
    /// <param name="compiler">The compiler.</param>
    /// <param name="source">The chain.</param>
    /// <param name="timeout">How much CPU time the compile may use.</param>
    /// <param name="cancellationToken">Stops the compile (then it throws).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ScriptCompileResult CompileScriptWithin(this AgentCompiler compiler, ScriptSource source, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compiler);
        ArgumentNullException.ThrowIfNull(source);
        return Within((meter, token) => compiler.CompileScript(source, meter, token), timeout, CompileClock.System,
            verdict => new ScriptCompileResult(new CompileReport(false, [new CompileDiagnostic(source.FilePath, 1, 1, DiagnosticIds.CompileTimeout, verdict)]), null, false),
            cancellationToken);
    }

    /// <summary>Runs <paramref name="compile"/> on its own thread and stops it when it has used <paramref name="timeout"/>
    /// of CPU time, or when a starved compile reaches the wall-clock backstop; <paramref name="timedOut"/> turns the
    /// verdict into the failed result.</summary>
    private static T Within<T>(Func<CompileMeter, CancellationToken, T> compile, TimeSpan timeout, CompileClock clock, Func<string, T> timedOut, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var meter = new CompileMeter();
        var started = clock.Wall();
        var work = Task.Factory.StartNew(() => compile(meter, limit.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var backstop = timeout * CompileClock.StarvedFactor;
        while (!clock.Wait(work, Poll(timeout)))
        {
            var cpu = clock.Cpu(meter.Used);
            var wall = clock.Wall() - started;
            string? verdict = null;
            if (cpu >= timeout)
            {
                verdict = $"Compiling used more than {Seconds(timeout)} s of CPU time; simplify the code (deeply nested lambdas passed to overloaded methods are the usual cause).";
            }
            else if (wall >= backstop)
            {
                verdict = $"The machine is too busy to compile: in {Seconds(wall)} s the compile got only {Seconds(cpu)} s of CPU time (its limit is {Seconds(timeout)} s), " +
                    "so the code is not at fault. Run fewer jobs at once (--parallel), retry when the machine is less loaded, or raise --compile-timeout.";
            }

            if (verdict is not null)
            {
                limit.Cancel();
                try
                {
                    work.GetAwaiter().GetResult();
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }

                cancellationToken.ThrowIfCancellationRequested();
                return timedOut(verdict);
            }
        }

        return work.GetAwaiter().GetResult();
    }

    /// <summary>How often the limit is checked: often enough that a compile overruns it by a few percent at most.</summary>
    private static TimeSpan Poll(TimeSpan timeout) => TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 20, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(250).Ticks));

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Whether a result says nothing certain about the code (a timeout or a compiler fault), so it must not be cached.</summary>
    /// <param name="result">The result.</param>
    public static bool IsTransient(CompileResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Report.Diagnostics.Any(d => d.Id is DiagnosticIds.CompileTimeout or DiagnosticIds.CompilerFault);
    }
}
