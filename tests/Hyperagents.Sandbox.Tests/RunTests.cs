using Hyperagents.Hosting;
using Hyperagents.Sandbox.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Hyperagents.Sandbox.Tests;

[Collection(SandboxCollection.Name)]
public sealed class RunTests(SandboxFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task SolveTask_returns_the_answer_with_log_and_output()
    {
        var handler = new RecordingHandler();
        var outcome = await fixture.SolveAsync("Hello", handler: handler);
        output.WriteLine($"{outcome}");
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Equal("answer:42", outcome.Answer);
        Assert.Contains("stdout line", outcome.Output);
        Assert.Equal(1, outcome.HostCalls);
        Assert.Contains(handler.Requests, r => r.Capability == "log" && r.Request.Contains("hello from the sandbox"));
        Assert.True(outcome.FuelConsumed > 0);
    }
}
