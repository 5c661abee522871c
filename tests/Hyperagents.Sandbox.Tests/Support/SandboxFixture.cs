using System.Collections.Concurrent;
using Hyperagents.Hosting;
using Xunit;

namespace Hyperagents.Sandbox.Tests.Support;

/// <summary>One engine (compiled module, linker, ticker) shared by every test; each call still gets a fresh store.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, CompiledAgent> _agents = new();

    public static string CacheDirectory { get; } = Path.Combine(Path.GetTempPath(), "hyperagents-sandbox-tests", "cwasm");

    // Null until InitializeAsync succeeds; a failed start-up then reports its own error, not a dispose crash.
    public SandboxEngine Engine { get; private set; } = null!;

    public SandboxRunner Runner { get; private set; } = null!;

    public CompiledAgent Agent(string name) => _agents.GetOrAdd(name, TestCompiler.CompileFile);

    public Task<AgentOutcome> SolveAsync(string agent, RunLimits? limits = null, ICapabilityHandler? handler = null, Hyperagents.Transport.TaskInvocation? invocation = null) =>
        Runner.SolveTaskAsync(Agent(agent), invocation ?? Some.Task(), handler ?? new RecordingHandler(), limits ?? Some.Limits(), CancellationToken.None);

    public Task InitializeAsync()
    {
        Engine = SandboxEngine.Create(new SandboxOptions { CacheDirectory = CacheDirectory, PoolSize = 0 });
        Runner = new SandboxRunner(Engine);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (Runner is not null)
        {
            await Runner.DisposeAsync();
        }

        Engine?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}
