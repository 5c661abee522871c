using Hyperagents.Hosting.Tests.Contract;
using Hyperagents.Hosting.Tests.Support;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The runner contract against native worker processes.</summary>
[Collection("workers")]
public sealed class NativeRunnerContract(NativeRunnerContract.Fixture fixture) : RunnerContract, IClassFixture<NativeRunnerContract.Fixture>
{
    protected override IAgentRunner Runner => fixture.Runner;

    protected override bool MetersFuel => false;

    /// <summary>One runner for the class; two workers, so a call can wait on the calls its host runs, and two spares, as
    /// the CLI keeps one: every call still gets a fresh worker, but its start overlaps the previous case instead of
    /// adding to it.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public NativeRunner Runner { get; } = new(Some.Options(poolSize: 2) with { SpareWorkers = 2 });

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Runner.DisposeAsync();
    }
}
