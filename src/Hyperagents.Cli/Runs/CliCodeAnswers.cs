using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;

namespace Hyperagents.Cli.Runs;

/// <summary>The code runner of a package domain whose answers are C# source (<c>coding</c>). A command that runs agents
/// (run, resume, replay, eval, try) binds it to its own compiler and isolation tier, so answers compile through the
/// same compile workers and gate and run in the same tier as the agents; a command that only scores (score) gets compile
/// workers and the default tier, the sandbox, of its own on first use.</summary>
internal sealed class CliCodeAnswers : ICodeAnswerRunner, IDisposable
{
    private readonly Lock _gate = new();
    private CodeAnswerRunner? _runner;
    private AgentCompiler? _ownCompiler;
    private IAgentRunner? _ownRunner;

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

    /// <summary>Ends the compile workers and runner this object started itself, if any.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _ownRunner?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _ownCompiler?.Dispose();
            _ownRunner = null;
            _ownCompiler = null;
            _runner = null;
        }
    }

    /// <exception cref="SandboxUnavailableException">Unbound, and the sandbox cannot start.</exception>
    private CodeAnswerRunner Current()
    {
        lock (_gate)
        {
            if (_runner is null)
            {
                _ownRunner = Runners.Create(SandboxRunner.RunnerName);
                _ownCompiler = Runners.Compiler();
                _runner = new CodeAnswerRunner(_ownCompiler, _ownRunner);
            }

            return _runner;
        }
    }
}
