using Xunit;

namespace Hyperagents.Compiler.Tests;

/// <summary>A compile's limit is CPU time of the compile work; the wall clock is only a starvation backstop, and a compile
/// it stops is reported as a busy machine, not as the code's fault. The machine's load is a stand-in clock here (never
/// real load), so every verdict is deterministic.</summary>
public sealed class CompileTimeoutTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Clocks the test drives: each check of the compile advances them by the given steps. With
    /// <paramref name="waitForReal"/> the check after the first really waits for the compile.</summary>
    private sealed class StandInClock(TimeSpan wallStep, TimeSpan cpuStep, bool waitForReal = false) : CompileClock
    {
        private TimeSpan _wall;
        private TimeSpan _cpu;
        private int _waits;

        public override TimeSpan Wall() => _wall;

        public override TimeSpan Cpu(TimeSpan measured) => _cpu;

        public override bool Wait(Task compile, TimeSpan timeout)
        {
            if (waitForReal && _waits++ > 0)
            {
                ((IAsyncResult)compile).AsyncWaitHandle.WaitOne();
                return true;
            }

            _wall += wallStep;
            _cpu += cpuStep;
            return false;
        }
    }

    private static CompileResult Compile(CompileClock clock) =>
        AgentCompiles.CompileWithin(Some.Compiler, AgentSource.FromDirectory(Some.BenignDir), Limit, clock, CancellationToken.None);

    [Fact]
    public void A_compile_starved_of_cpu_on_a_busy_machine_is_reported_as_the_machines_fault_not_the_codes()
    {
        // Ten minutes of wall clock, a second of CPU: the code never got to use its minute.
        var result = Compile(new StandInClock(wallStep: TimeSpan.FromSeconds(100), cpuStep: TimeSpan.FromSeconds(0.1)));

        var diagnostic = Assert.Single(result.Report.Diagnostics);
        Assert.Equal(DiagnosticIds.CompileTimeout, diagnostic.Id);
        Assert.Contains("The machine is too busy to compile", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("the code is not at fault", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("--compile-timeout", diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("simplify", diagnostic.Message, StringComparison.Ordinal);
        Assert.True(AgentCompiles.IsTransient(result), "a starved compile says nothing about the code and must not be cached");
    }

    [Fact]
    public void A_compile_that_uses_up_its_cpu_time_blames_the_code_however_little_wall_clock_passed()
    {
        var result = Compile(new StandInClock(wallStep: TimeSpan.FromSeconds(1), cpuStep: TimeSpan.FromSeconds(30)));

        var diagnostic = Assert.Single(result.Report.Diagnostics);
        Assert.Equal(DiagnosticIds.CompileTimeout, diagnostic.Id);
        Assert.StartsWith("Compiling used more than 60 s of CPU time; simplify the code", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wall_clock_far_past_the_limit_does_not_fail_a_compile_that_stays_within_its_cpu_time()
    {
        // Nine minutes of wall clock for a one-minute limit, but little CPU: under the starvation backstop, so it compiles.
        var result = Compile(new StandInClock(wallStep: Limit * 9, cpuStep: TimeSpan.FromSeconds(2), waitForReal: true));

        Assert.True(result.Success, string.Join("\n", result.Report.Diagnostics));
    }

    [Fact]
    public void The_cpu_time_of_an_in_process_compile_is_measured_from_this_process()
    {
        var meter = new CompileMeter();
        Assert.Equal(TimeSpan.Zero, meter.Used);
        var cpu = TimeSpan.Zero;
        meter.Bind(() => cpu);
        cpu = TimeSpan.FromSeconds(3);
        Assert.Equal(TimeSpan.FromSeconds(3), meter.Used);

        var compiled = Some.Compiler.Compile(AgentSource.FromDirectory(Some.BenignDir), meter, CancellationToken.None);
        Assert.True(compiled.Success);
        Assert.True(meter.Used > TimeSpan.Zero, "compiling in process binds the process's CPU clock");
    }
}
