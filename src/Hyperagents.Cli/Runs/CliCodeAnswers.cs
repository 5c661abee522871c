using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;

namespace Hyperagents.Cli.Runs;

/// <summary>The code runner of a package domain whose answers are C# source (<c>coding</c>). A command that runs agents
/// (run, resume, replay, eval, try) binds it to its own compiler and isolation tier, so answers compile through the
/// same compile workers and gate and run in the same tier as the agents; <c>score</c> binds it to the tier its
/// <c>--isolation</c> names.</summary>
internal sealed class CliCodeAnswers : ICodeAnswerRunner, IDisposable
{
    private readonly Lock _gate = new();
    private CodeAnswerRunner? _runner;

    /// <summary>Runs answers through the command's compiler and tier from now on (neither is disposed here).</summary>
    /// <param name="compiler">The command's compiler.</param>
    /// <param name="runner">The command's runner.</param>
    /// <param name="compileTimeout">The CPU time one answer's compile may use; the default when <see langword="null"/>.</param>
    public void Bind(AgentCompiler compiler, IAgentRunner runner, TimeSpan? compileTimeout = null)
    {
        lock (_gate)
        {
            var options = new CodeAnswerRunnerOptions();
            _runner = new CodeAnswerRunner(compiler, runner, compileTimeout is { } limit ? options with { CompileTimeout = limit } : options);
        }
    }

    /// <inheritdoc/>
    public Task<CodeRunReport> RunAsync(string source, CodeEntry entry, IReadOnlyList<string> argumentsJson, CancellationToken cancellationToken) =>
        Current().RunAsync(source, entry, argumentsJson, cancellationToken);

    /// <summary>Forgets the binding (the compiler and runner belong to the command).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _runner = null;
        }
    }

    /// <exception cref="InvalidOperationException">No command bound a compiler and tier (a bug of the command).</exception>
    private CodeAnswerRunner Current()
    {
        lock (_gate)
        {
            return _runner ?? throw new InvalidOperationException("C#-source answers need a compiler and an isolation tier: the command must call DomainSource.UseRunner first.");
        }
    }
}
