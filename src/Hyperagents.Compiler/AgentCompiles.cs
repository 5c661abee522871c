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

    /// <summary>Compiles agent code within <paramref name="timeout"/>; a compile that takes longer is a failure with
    /// <see cref="DiagnosticIds.CompileTimeout"/>, never a stall (Roslyn stops at its next cancellation check).</summary>
    /// <param name="compiler">The compiler.</param>
    /// <param name="source">The agent's source.</param>
    /// <param name="timeout">How long the compile may take.</param>
    /// <param name="cancellationToken">Stops the compile (then it throws).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static CompileResult CompileWithin(this AgentCompiler compiler, AgentSource source, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compiler);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return compiler.Compile(source, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CompileResult(new CompileReport(false, [new CompileDiagnostic(".", 1, 1, DiagnosticIds.CompileTimeout,
                $"Compiling took longer than {timeout.TotalSeconds:0.#} s; simplify the code (deeply nested lambdas passed to overloaded methods are the usual cause).")]), null, null);
        }
    }

    /// <summary>Compiles a script submission within <paramref name="timeout"/>; a longer compile is a failure with
    /// <see cref="DiagnosticIds.CompileTimeout"/>.</summary>
    /// <param name="compiler">The compiler.</param>
    /// <param name="source">The chain.</param>
    /// <param name="timeout">How long the compile may take.</param>
    /// <param name="cancellationToken">Stops the compile (then it throws).</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static ScriptCompileResult CompileScriptWithin(this AgentCompiler compiler, ScriptSource source, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compiler);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return compiler.CompileScript(source, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ScriptCompileResult(new CompileReport(false, [new CompileDiagnostic(source.FilePath, 1, 1, DiagnosticIds.CompileTimeout,
                $"Compiling took longer than {timeout.TotalSeconds:0.#} s; simplify the code (deeply nested lambdas passed to overloaded methods are the usual cause).")]), null, false);
        }
    }

    /// <summary>Whether a result says nothing certain about the code (a timeout or a compiler fault), so it must not be cached.</summary>
    /// <param name="result">The result.</param>
    public static bool IsTransient(CompileResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Report.Diagnostics.Any(d => d.Id is DiagnosticIds.CompileTimeout or DiagnosticIds.CompilerFault);
    }
}
