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

    [Fact]
    public async Task Hot_loops_run_without_the_jiterpreter()
    {
        // Every jiterpreter hook stops the VM; hot loops reach them unless the runtime options turned it off.
        var outcome = await fixture.SolveAsync("HotLoops");
        output.WriteLine($"{outcome}");
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        var expected = Enumerable.Range(0, 2_000_000).Sum(i => (long)(((i * 31) ^ (i >> 3)) & 7));
        Assert.Equal($"{expected};9592", outcome.Answer);
    }

    [Fact]
    public async Task Concurrent_calls_run_in_separate_VMs()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 3).Select(n =>
            Task.Run(() => fixture.SolveAsync("Hello", invocation: Some.Task(n)))));
        Assert.Equal(["answer:2", "answer:4", "answer:6"], outcomes.Select(o => o.Answer));
        Assert.All(outcomes, o => Assert.Equal(OutcomeKind.Completed, o.Kind));
    }

    [Fact]
    public async Task Cancellation_stops_a_running_guest()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var outcome = await fixture.Runner.SolveTaskAsync(fixture.Agent("InfiniteLoop"), Some.Task(), new RecordingHandler(), Some.Limits(), cts.Token);
        Assert.Equal(OutcomeKind.Cancelled, outcome.Kind);
    }
}
