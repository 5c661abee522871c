using System.Text.Json;
using Hyperagents.Engine;
using Hyperagents.Hosting.Tests.Support;
using Hyperagents.Sandbox;
using Xunit;

namespace Hyperagents.Hosting.Tests;

public sealed class RunnerRegistryTests
{
    private static RunnerRegistry Registry() => new RunnerRegistry()
        .Add("sandbox", "first", _ => throw new InvalidOperationException("not in this test"))
        .Add("native", "second", r => new NativeRunner(Some.Options(poolSize: 2 * r.Parallel)));

    [Fact]
    public async Task A_runner_is_created_by_its_name_in_any_case_with_the_capacity_it_brings()
    {
        var registry = Registry();
        Assert.Equal(["sandbox", "native"], registry.Names);
        Assert.Equal("sandbox", registry.Default);
        Assert.True(registry.Contains("Native"));
        Assert.False(registry.Contains("contained"));

        await using var runner = registry.Create("Native", new RunnerRequest(Parallel: 3));
        Assert.Equal("native", runner.Name);
        Assert.Equal(6, runner.Capacity);
    }

    [Fact]
    public void An_unknown_runner_name_is_a_user_error_that_lists_the_names()
    {
        var error = Assert.Throws<UnknownRunnerException>(() => Registry().Create("bubblewrap"));
        Assert.Equal("'bubblewrap' is not a runner; use one of: sandbox, native.", error.Message);
    }

    [Fact]
    public void A_runner_is_deterministic_only_when_registered_so_and_an_unknown_name_is_a_user_error()
    {
        var registry = new RunnerRegistry()
            .Add("sandbox", "first", _ => null!, deterministic: true)
            .Add("native", "second", _ => null!);
        Assert.True(registry.IsDeterministic("Sandbox"));
        Assert.False(registry.IsDeterministic("native"));
        Assert.Throws<UnknownRunnerException>(() => registry.IsDeterministic("contained"));
    }

    [Fact]
    public void A_name_is_registered_once_and_only_in_canonical_form()
    {
        Assert.Throws<ArgumentException>(() => Registry().Add("native", "again", _ => null!));
        Assert.Throws<ArgumentException>(() => new RunnerRegistry().Add("Native", "upper case", _ => null!));
        Assert.Throws<ArgumentException>(() => new RunnerRegistry().Add("a b", "space", _ => null!));
    }

    [Theory]
    [InlineData("\"Sandbox\"", "sandbox")]
    [InlineData("\"Native\"", "native")]
    [InlineData("\"native\"", "native")]
    [InlineData("1", "native")]
    [InlineData("0", "sandbox")]
    public void A_manifest_written_when_isolation_was_an_enum_reads_as_the_runner_name(string stored, string name)
    {
        var settings = JsonSerializer.Deserialize<RunSettings>($$"""{"Domain":"arithmetic","Isolation":{{stored}}}""")!;
        Assert.Equal(name, settings.Isolation);
        Assert.Contains("\"Isolation\":\"" + name + "\"", JsonSerializer.Serialize(settings), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sandbox_capacity_is_bounded_by_cores_and_by_its_memory_budget()
    {
        var cores = Environment.ProcessorCount;
        Assert.Equal(1, new SandboxOptions { MemoryBudgetBytes = 100L * 1024 * 1024 }.Capacity);
        Assert.Equal(Math.Min(cores, 2), new SandboxOptions { MemoryBudgetBytes = 1024L * 1024 * 1024 }.Capacity);
        Assert.Equal(cores, new SandboxOptions { MemoryBudgetBytes = 1L << 50 }.Capacity);
    }

    [Fact]
    public async Task The_native_capacity_is_its_worker_pool()
    {
        await using var runner = new NativeRunner(Some.Options(poolSize: 5));
        Assert.Equal(5, runner.Capacity);
    }
}
