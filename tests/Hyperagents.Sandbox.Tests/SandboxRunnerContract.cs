using Hyperagents.Hosting;
using Hyperagents.Hosting.Tests.Contract;
using Hyperagents.Sandbox.Tests.Support;
using Xunit;

namespace Hyperagents.Sandbox.Tests;

/// <summary>The runner contract against the Wasmtime sandbox, on the shared engine.</summary>
[Collection(SandboxCollection.Name)]
public sealed class SandboxRunnerContract(SandboxFixture fixture) : RunnerContract
{
    protected override IAgentRunner Runner => fixture.Runner;

    protected override bool MetersFuel => true;
}
