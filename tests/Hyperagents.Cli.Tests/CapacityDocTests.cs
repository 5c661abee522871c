using Hyperagents.Hosting;
using Hyperagents.Sandbox;

namespace Hyperagents.Cli.Tests;

/// <summary>The README states how many calls the sandbox runs at once, and the formula it states is the code's.</summary>
public sealed class CapacityDocTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void The_readme_states_the_sandbox_capacity_formula_the_runner_uses()
    {
        var readme = File.ReadAllText(Path.Combine(CliProcess.RepoRoot, "README.md"));
        Assert.Contains("The sandbox runs min(processor cores, memory budget / 512 MiB) calls at once, at least 1", readme, StringComparison.Ordinal);

        Assert.Equal(512 * MiB, new RunLimits().MemoryBytes);
        foreach (var vms in new[] { 0, 1, 2, 3, 64 })
        {
            var budget = vms * 512 * MiB + 100 * MiB;
            Assert.Equal(Math.Max(1, Math.Min(Environment.ProcessorCount, vms)), new SandboxOptions { MemoryBudgetBytes = budget }.Capacity);
        }
    }
}
