using Hyperagents.Cli.Commands;
using Hyperagents.Hosting;
using Spectre.Console.Testing;

namespace Hyperagents.Cli.Tests;

/// <summary>doctor's table of isolation tiers comes from the runner registry: a runner registered there appears with its
/// availability, determinism and capacity, and nothing about it is written in the doctor.</summary>
public sealed class DoctorTiersTests
{
    [Fact]
    public void A_registered_runner_appears_in_the_tier_table_with_its_availability_determinism_and_capacity()
    {
        var worker = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
        var registry = new RunnerRegistry()
            .Add("tier-one", "a tier that is always here", r => new NativeRunner(worker with { PoolSize = 3 * r.Parallel }), deterministic: true)
            .Add("tier-two", "a tier that needs a tool", _ => throw new InvalidOperationException("never created"),
                availability: () => new RunnerAvailability(false, "tool-x is not installed: apt-get install tool-x"))
            .Add("tier-three", "a tier that fails to start", _ => throw new ContainedUnavailableException("its probe failed"),
                availability: () => new RunnerAvailability(true, "looks fine"));

        var console = new TestConsole().Width(400);
        console.Write(DoctorCommand.Tiers(registry));
        var rows = console.Output.Split('\n');

        var one = Assert.Single(rows, r => r.Contains("tier-one", StringComparison.Ordinal));
        Assert.Matches(@"tier-one\s+│\s+yes\s+│\s+yes\s+│\s+3\s+│\s+a tier that is always here", one);
        var two = Assert.Single(rows, r => r.Contains("tier-two", StringComparison.Ordinal));
        Assert.Matches(@"tier-two\s+│\s+no\s+│\s+no \(replay uses a tolerance\)\s+│\s+-\s+│\s+tool-x is not installed: apt-get install tool-x", two);
        var three = Assert.Single(rows, r => r.Contains("tier-three", StringComparison.Ordinal));
        Assert.Matches(@"tier-three\s+│\s+no\s+.*The contained tier cannot run here: its probe failed", three);
    }

    [Fact]
    public void The_shipped_registry_lists_contained_under_runsc_next_to_the_other_tiers()
    {
        Assert.Subset(Runs.Runners.Registry.Names.ToHashSet(), new HashSet<string> { "sandbox", "native", "contained", "contained-runsc" });
        Assert.Equal("contained-runsc", Runs.Runners.Resolve("contained", "runsc", out _));
        Assert.Equal("contained", Runs.Runners.Resolve("Contained", "bubblewrap", out _));
        Assert.Null(Runs.Runners.Resolve("sandbox", "runsc", out var error));
        Assert.Equal("--runtime applies to --isolation contained only (was --isolation sandbox); drop --runtime or use --isolation contained.", error);
        Assert.Null(Runs.Runners.Resolve("contained", "kata", out error));
        Assert.Equal("--runtime 'kata' is not one of bubblewrap, runsc.", error);
    }
}
