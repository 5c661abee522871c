using Hyperagents.Hosting.Tests.Contract;
using Hyperagents.Hosting.Tests.Support;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The runner contract against contained workers (native workers under bubblewrap, seccomp and cgroups).</summary>
[Collection("workers")]
public sealed class ContainedRunnerContract(ContainedRunnerContract.Fixture fixture) : RunnerContract, IClassFixture<ContainedRunnerContract.Fixture>
{
    protected override IAgentRunner Runner => fixture.Runner;

    protected override bool MetersFuel => false;

    /// <summary>One runner for the class; two workers, so a call can wait on the calls its host runs. Fails (does not
    /// skip) when the tier cannot run here: a contract that silently passes proves nothing.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public Fixture()
        {
            _ = new BubblewrapFixture(); // installs bubblewrap where it can, and fails with the reason where the tier cannot run
            Runner = new ContainedRunner(Some.Options(poolSize: 2) with { SpareWorkers = 2 }); // spares as in NativeRunnerContract
        }

        public ContainedRunner Runner { get; }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Runner.DisposeAsync();
    }
}
