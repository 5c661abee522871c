using System.Security.Cryptography;
using Hyperagents.Hosting;
using Hyperagents.Sandbox.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Hyperagents.Sandbox.Tests;

[Collection(SandboxCollection.Name)]
public sealed class ChannelTests(SandboxFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Capabilities_round_trip_and_a_refusal_surfaces_as_a_catchable_HostCallException()
    {
        var handler = new RecordingHandler();
        var outcome = await fixture.SolveAsync("Capabilities", handler: handler);
        output.WriteLine($"{outcome}");
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Equal("budget=9.5;refusal=chat/no-model", outcome.Answer);
        Assert.Equal(5, outcome.HostCalls);
        Assert.Equal(["log", "budget", "chat", "log", "log"], handler.Requests.Select(r => r.Capability));
        Assert.Contains("\"role\":", handler.Requests.Single(r => r.Capability == "chat").Request, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ModifySelf_edits_the_workspace_through_the_channel()
    {
        var handler = new RecordingHandler { Files = { ["Agent.cs"] = "// seed" } };
        var outcome = await fixture.Runner.ModifySelfAsync(fixture.Agent("Meta"), Some.Meta(), handler, Some.Limits(), CancellationToken.None);
        output.WriteLine($"{outcome}");
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Null(outcome.Answer);
        Assert.Equal("// seed\n// modified: modify any part of the codebase", handler.Files["Agent.cs"]);
        Assert.StartsWith("seed ", handler.Files["Notes.md"]);
        Assert.Equal(3, outcome.HostCalls);
    }

    [Fact]
    public async Task Host_call_cap_ends_the_call_out_of_band_beyond_MaxHostCalls()
    {
        var handler = new RecordingHandler();
        var limits = Some.Limits() with { MaxHostCalls = 2 };
        var outcome = await fixture.SolveAsync("Capabilities", limits, handler);
        output.WriteLine($"{outcome}");
        Assert.Equal(OutcomeKind.TooManyHostCalls, outcome.Kind);
        Assert.Null(outcome.ExceptionType);
        Assert.Contains("more than 2 capability requests", outcome.Detail);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Guest_exception_is_reported_with_type_and_message()
    {
        var agent = TestCompiler.Compile(source: """
            using System.Threading.Tasks;
            using Hyperagents;
            public static class Agent
            {
                public static Task<string> SolveTask(TaskContext context) => throw new System.InvalidOperationException("bad input " + context.Task.Id);
            }
            """, name: "Thrower");
        var outcome = await fixture.Runner.SolveTaskAsync(agent, Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.GuestException, outcome.Kind);
        Assert.Equal("System.InvalidOperationException", outcome.ExceptionType);
        Assert.Equal("bad input t21", outcome.Detail);
    }

    [Fact]
    public async Task Awaiting_what_never_completes_is_reported_as_a_deadlock_at_once()
    {
        var agent = TestCompiler.Compile(source: """
            using System.Threading.Tasks;
            using Hyperagents;
            public static class Agent
            {
                public static async Task<string> SolveTask(TaskContext context)
                {
                    await new TaskCompletionSource<bool>().Task;
                    return "never";
                }
            }
            """, name: "Deadlock");
        var outcome = await fixture.Runner.SolveTaskAsync(agent, Some.Task(), new RecordingHandler(), Some.Limits(wall: TimeSpan.FromSeconds(120)), CancellationToken.None);
        Assert.Equal(OutcomeKind.Crashed, outcome.Kind);
        Assert.Contains("deadlock", outcome.Detail);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(60), "reported at once, not at the 120 s deadline");
    }

    [Fact]
    public async Task Same_agent_and_input_consume_the_same_fuel()
    {
        var first = await fixture.SolveAsync("Capabilities");
        var second = await fixture.SolveAsync("Capabilities");
        var third = await fixture.SolveAsync("Hello");
        var fourth = await fixture.SolveAsync("Hello");
        output.WriteLine($"{first.FuelConsumed} {second.FuelConsumed} {third.FuelConsumed} {fourth.FuelConsumed}");
        Assert.Equal(first.FuelConsumed, second.FuelConsumed);
        Assert.Equal(third.FuelConsumed, fourth.FuelConsumed);
        Assert.NotEqual(first.FuelConsumed, third.FuelConsumed);
    }

    [Fact]
    public async Task Missing_entry_point_is_gate_rejected()
    {
        var agent = TestCompiler.Compile(name: "NoEntry", source: "public static class Nothing { }");
        var outcome = await fixture.Runner.SolveTaskAsync(agent, Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.GateRejected, outcome.Kind);
        Assert.Contains("SolveTask", outcome.Detail);
    }

    [Fact]
    public async Task A_garbage_image_is_a_crash_not_a_host_failure()
    {
        var image = RandomNumberGenerator.GetBytes(4096);
        var agent = new CompiledAgent("garbage", "Garbage", image);
        var outcome = await fixture.Runner.SolveTaskAsync(agent, Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        output.WriteLine($"{outcome}");
        Assert.Equal(OutcomeKind.Crashed, outcome.Kind);
        Assert.Contains("BadImageFormat", outcome.Detail);
    }
}
