using System.Net;
using System.Net.Sockets;
using Hyperagents.Hosting;
using Hyperagents.Sandbox.Tests.Support;
using Hyperagents.Transport;
using Wasmtime;
using Xunit;
using Xunit.Abstractions;

namespace Hyperagents.Sandbox.Tests;

/// <summary>One test per threat row (research/threats.md): a malicious agent, compiled WITHOUT the capability gate, run
/// through the real sandbox. Each asserts the specific outcome, that the host is responsive, that its RSS stayed within
/// <see cref="HostHealth.RssBoundBytes"/>, and that the next evaluation in the same process works.</summary>
[Collection(SandboxCollection.Name)]
public sealed class ThreatTests(SandboxFixture fixture, ITestOutputHelper output)
{
    private static TaskInvocation With(params (string Key, string Value)[] parameters) =>
        new(new TaskSpec("test", "threat", "a threat probe", parameters.ToDictionary(p => p.Key, p => p.Value), null), 7);

    private async Task<AgentOutcome> AttackAsync(string agent, RunLimits limits, TaskInvocation? invocation = null, ICapabilityHandler? handler = null)
    {
        var outcome = await fixture.SolveAsync(agent, limits, handler, invocation);
        output.WriteLine($"{outcome.Label} after {outcome.Elapsed.TotalMilliseconds:0} ms, fuel {outcome.FuelConsumed:N0}: {outcome.Detail} {outcome.ExceptionType}");
        output.WriteLine($"answer: {outcome.Answer}");
        output.WriteLine($"output: {outcome.Output[..Math.Min(400, outcome.Output.Length)]}");
        return outcome;
    }

    [Fact]
    public async Task R1_endless_loop_is_stopped_by_the_deadline()
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("InfiniteLoop", Some.Limits(wall: TimeSpan.FromMilliseconds(300), fuel: 1_000_000_000_000));
        Assert.Equal(OutcomeKind.Deadline, outcome.Kind);
        // Left alone the loop would burn 10^12 fuel (many minutes); the generous bound keeps the test true on a busy machine.
        Assert.InRange(outcome.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task R1_endless_loop_is_stopped_by_fuel_deterministically()
    {
        var rss = HostHealth.Rss();
        var limits = Some.Limits(fuel: 200_000_000);
        var first = await AttackAsync("InfiniteLoop", limits);
        Assert.Equal(OutcomeKind.OutOfFuel, first.Kind);
        Assert.Equal(200_000_000, first.FuelConsumed);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task R5_unbounded_recursion_is_a_stack_overflow()
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("Recursion", Some.Limits());
        Assert.Equal(OutcomeKind.StackOverflow, outcome.Kind);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task R6_memory_bomb_hits_the_memory_cap()
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("MemoryBomb", Some.Limits(memory: 128L * 1024 * 1024));
        Assert.Equal(OutcomeKind.OutOfMemory, outcome.Kind);
        Assert.Contains("128 MiB", outcome.Detail);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public void R7_huge_tables_extra_instances_and_memories_fail_at_the_store_limits()
    {
        var rss = HostHealth.Rss();
        var engine = fixture.Engine.Engine;
        using var linker = new Linker(engine);

        void MustFail(string wat, string what)
        {
            using var store = new Store(engine);
            GuestVm.ApplyLimits(store, 64L * 1024 * 1024);
            store.Fuel = 1_000_000;
            using var module = Module.FromText(engine, what, wat);
            var ex = Assert.ThrowsAny<WasmtimeException>(() => linker.Instantiate(store, module));
            output.WriteLine($"{what}: {ex.Message.Split('\n')[0]}");
        }

        MustFail("(module (table 1000000 funcref))", "huge table");
        MustFail("(module (memory 2048))", "memory above the cap");
        MustFail("(module (memory 1) (memory 1))", "two memories");
        MustFail("(module (table 1 funcref) (table 1 funcref))", "two tables");

        using (var store = new Store(engine))
        {
            GuestVm.ApplyLimits(store, 64L * 1024 * 1024);
            store.Fuel = 1_000_000;
            using var small = Module.FromText(engine, "small", "(module (memory 1))");
            linker.Instantiate(store, small);
            Assert.ThrowsAny<WasmtimeException>(() => linker.Instantiate(store, small));
        }

        using (var store = new Store(engine))
        {
            GuestVm.ApplyLimits(store, 64L * 1024 * 1024);
            store.Fuel = 1_000_000;
            store.SetEpochDeadline(1_000);
            using var grower = Module.FromText(engine, "grower", "(module (memory (export \"m\") 1) (func (export \"grow\") (result i32) (memory.grow (i32.const 2000))))");
            var instance = linker.Instantiate(store, grower);
            Assert.Equal(-1, instance.GetFunction<int>("grow")!());
        }

        Assert.True(HostHealth.Rss() - rss < HostHealth.RssBoundBytes);
    }

    [Fact]
    public async Task R11_threads_pool_work_and_timers_do_not_outlive_the_call()
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("Threads", Some.Limits(wall: TimeSpan.FromSeconds(60)));
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.StartsWith("spawned:", outcome.Answer);
        Assert.DoesNotContain("thread-started", outcome.Answer);
        Assert.DoesNotContain("still-running", outcome.Output);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task R12_output_flood_is_capped_and_escapes_are_neutralised()
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("OutputFlood", Some.Limits());
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Contains("FLOOD", outcome.Output);
        Assert.Contains("output truncated", outcome.Output);
        Assert.True(outcome.Output.Length < 4096 + 200, $"output is {outcome.Output.Length} chars");
        Assert.DoesNotContain('\u001b', outcome.Output);
        Assert.DoesNotContain('\u0007', outcome.Output);
        Assert.DoesNotContain('\r', outcome.Output);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task R13_host_imports_charge_fuel_and_slow_host_calls_hit_the_deadline()
    {
        var rss = HostHealth.Rss();
        var flood = await AttackAsync("HostCallFlood", Some.Limits(fuel: 300_000_000, wall: TimeSpan.FromSeconds(30)));
        Assert.Equal(OutcomeKind.OutOfFuel, flood.Kind);

        var slow = await AttackAsync("SlowHost", Some.Limits(wall: TimeSpan.FromMilliseconds(300)), handler: new SlowHandler());
        Assert.Equal(OutcomeKind.Deadline, slow.Kind);
        Assert.True(slow.Elapsed < TimeSpan.FromSeconds(20), "the deadline, not the host call's 30 s, must end the call");
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Theory]
    [InlineData("sleep")]
    [InlineData("wait")]
    [InlineData("spin")]
    public async Task R15_sleeping_or_blocking_is_stopped_by_wall_clock_or_fuel(string mode)
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("Sleeper", Some.Limits(wall: TimeSpan.FromMilliseconds(500)), With(("mode", mode)));
        Assert.Contains(outcome.Kind, new[] { OutcomeKind.Deadline, OutcomeKind.OutOfFuel });
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(30), "left alone the sleeper runs for 10 minutes");
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task E1_the_host_file_system_is_unreachable()
    {
        var rss = HostHealth.Rss();
        var secret = Path.Combine(Path.GetTempPath(), $"hyperagents-secret-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(secret, "TOP-SECRET-CONTENT");
        try
        {
            var outcome = await AttackAsync("FileAccess", Some.Limits(), With(("secret", secret)));
            Assert.Equal(OutcomeKind.Completed, outcome.Kind);
            Assert.DoesNotContain("READ ", outcome.Answer);
            Assert.DoesNotContain("LIST ", outcome.Answer);
            Assert.DoesNotContain("WROTE", outcome.Answer);
            Assert.DoesNotContain("TOP-SECRET", outcome.Answer);
            Assert.DoesNotContain("root:", outcome.Answer);
            Assert.Equal(6, outcome.Answer!.Split('\n').Count(l => l.StartsWith("denied /", StringComparison.Ordinal) || l.StartsWith("denied .", StringComparison.Ordinal)));
            Assert.False(File.Exists("/tmp/hyperagents-escape-threat"));
        }
        finally
        {
            File.Delete(secret);
        }

        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task E4_no_network_connection_reaches_the_host()
    {
        var rss = HostHealth.Rss();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var sockets = await AttackAsync("Network", Some.Limits(), With(("port", port)));
            Assert.Equal(OutcomeKind.Completed, sockets.Kind);
            Assert.DoesNotContain("CONNECTED", sockets.Answer);

            var http = await AttackAsync("Network", Some.Limits(), With(("port", port), ("http", "1")));
            Assert.DoesNotContain("HTTP ", http.Answer ?? "");
            Assert.NotEqual(OutcomeKind.HostFault, http.Kind);
            Assert.False(listener.Pending(), "a guest connection reached the host's loopback listener");
        }
        finally
        {
            listener.Stop();
        }

        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task E5_the_environment_is_empty()
    {
        var rss = HostHealth.Rss();
        Environment.SetEnvironmentVariable("HYPERAGENTS_TEST_API_KEY", "sk-should-never-leak");
        var outcome = await AttackAsync("EnvironmentSecrets", Some.Limits(), With(("name", "HYPERAGENTS_TEST_API_KEY")));
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Contains("secret=<none>;home=<none>;path=<none>", outcome.Answer);
        Assert.DoesNotContain("sk-should-never-leak", outcome.Answer);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Theory]
    [InlineData("exit")]
    [InlineData("failfast")]
    public async Task E11_exiting_early_is_not_success(string mode)
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("ProcessControl", Some.Limits(), With(("mode", mode)));
        Assert.NotEqual(OutcomeKind.Completed, outcome.Kind);
        Assert.Null(outcome.Answer);
        Assert.Equal(OutcomeKind.Crashed, outcome.Kind);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task E12_catching_everything_does_not_outlive_the_deadline()
    {
        var rss = HostHealth.Rss();
        var outcome = await AttackAsync("ExceptionGames", Some.Limits(wall: TimeSpan.FromMilliseconds(300), fuel: 1_000_000_000_000));
        Assert.Equal(OutcomeKind.Deadline, outcome.Kind);
        Assert.True(outcome.Elapsed < TimeSpan.FromSeconds(30), "left alone the loop burns 10^12 fuel");
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task I4_clocks_and_entropy_are_virtual_and_deterministic()
    {
        var rss = HostHealth.Rss();
        var first = await AttackAsync("ClockAndEntropy", Some.Limits());
        var second = await AttackAsync("ClockAndEntropy", Some.Limits());
        Assert.Equal(OutcomeKind.Completed, first.Kind);
        Assert.Equal(first.Answer, second.Answer);
        Assert.Contains("utc=2026-01-01T00:0", first.Answer);
        Assert.Contains("waited=True", first.Answer);
        Assert.True(first.Elapsed < TimeSpan.FromSeconds(60), "an hour of virtual delay must not take wall-clock time");
        var otherSeed = await AttackAsync("ClockAndEntropy", Some.Limits(), Some.Task(seed: 8));
        Assert.NotEqual(first.Answer, otherSeed.Answer);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task I6_host_secrets_and_host_frames_are_not_in_the_guest()
    {
        var rss = HostHealth.Rss();
        var reference = "REFERENCE-ANSWER-" + Guid.NewGuid().ToString("N");
        var handler = new SecretHoldingHandler(reference);
        var outcome = await AttackAsync("MemoryScan", Some.Limits(), With(("prefix", "REFERENCE-ANSWER-")), handler);
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.StartsWith("found=0;", outcome.Answer);
        Assert.DoesNotContain("self=0;", outcome.Answer); // the scan did see guest memory: it found the needle it was given
        Assert.DoesNotContain("Xunit", outcome.Answer);
        Assert.DoesNotContain("Hyperagents.Sandbox", outcome.Answer);
        GC.KeepAlive(handler);
        await HostHealth.AssertHealthyAsync(fixture, rss);
    }

    [Fact]
    public async Task I10_nothing_runs_after_the_answer()
    {
        var rss = HostHealth.Rss();
        var handler = new RecordingHandler();
        var outcome = await AttackAsync("LateWrites", Some.Limits(), handler: handler);
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Equal("early answer", outcome.Answer);
        var calls = handler.Requests.Count;
        Assert.DoesNotContain(handler.Requests, r => r.Request.Contains("late", StringComparison.Ordinal));
        Assert.DoesNotContain("late-output", outcome.Output);
        await HostHealth.AssertHealthyAsync(fixture, rss);
        Assert.Equal(calls, handler.Requests.Count);
    }

    private sealed class SlowHandler : ICapabilityHandler
    {
        public async ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            return HostReply.Fail("slow", "never");
        }
    }

    private sealed class SecretHoldingHandler(string secret) : ICapabilityHandler
    {
        public string Secret { get; } = secret;

        public ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HostReply.Fail("refused", Secret.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
