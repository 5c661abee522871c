using Hyperagents.Archive;
using Hyperagents.Cli;
using Hyperagents.Engine.Tests.Support;
using Spectre.Console.Testing;

namespace Hyperagents.Engine.Tests;

/// <summary>User errors of run, resume, status and eval: each names the problem and the fix, exits non-zero, no stack trace.</summary>
[Collection(RunsCollection.Name)]
public sealed class CliTests
{
    [Theory]
    [InlineData("--domain", "circle-pack", "Unknown domain 'circle-pack'")]
    [InlineData("--selection", "fittest", "--selection 'fittest' is not one of")]
    [InlineData("--selection", "greedy", "pareto, cmp, elo, islands")]
    [InlineData("--novelty", "1.5", "--novelty must be a similarity in (0, 1]")]
    [InlineData("--islands", "0", "--islands must be between 1 and 64")]
    [InlineData("--migration-interval", "0", "--migration-interval must be at least 1")]
    [InlineData("--baseline", "no-meta", "--baseline 'no-meta' is not one of")]
    [InlineData("--isolation", "docker", "--isolation 'docker' is not one of")]
    [InlineData("--generations", "-3", "--generations must be between 0 and 100000")]
    [InlineData("--parallel", "0", "--parallel must be between 1 and 16")]
    [InlineData("--seed-agent", "no/such/folder", "does not exist; pass --seed-agent")]
    public async Task Run_with_a_bad_option_says_what_is_wrong(string option, string value, string expected)
    {
        var archive = TestRuns.TempFolder("cli");
        var args = new List<string> { "run", "--name", "x", "--archive", archive };
        if (option != "--domain")
        {
            args.AddRange(["--domain", "circle-packing"]);
        }

        args.AddRange([option, value]);
        var (exit, output) = await RunAsync([.. args]);

        Assert.NotEqual(0, exit);
        Assert.Contains(expected, output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(Directory.Exists(Path.Combine(archive, "x")), "a refused run must not create its folder");
    }

    [Fact]
    public async Task Run_on_an_existing_name_points_to_resume()
    {
        var archive = TestRuns.TempFolder("cli");
        ArchiveRun.Create(ArchiveStore.RunFolder(archive, "taken"), new RunManifest("taken", "circle-packing", "test")).Dispose();

        var (exit, output) = await RunAsync("run", "--domain", "circle-packing", "--name", "taken", "--archive", archive, "--isolation", "native");

        Assert.NotEqual(0, exit);
        Assert.Contains("hyperagents resume taken", output);
    }

    [Fact]
    public async Task Resume_and_status_of_a_missing_run_say_so()
    {
        var archive = TestRuns.TempFolder("cli");
        foreach (var command in new[] { "resume", "status" })
        {
            var (exit, output) = await RunAsync(command, "nope", "--archive", archive);
            Assert.NotEqual(0, exit);
            Assert.Contains("nope", output);
            Assert.DoesNotContain("   at ", output);
        }
    }

    [Fact]
    public async Task Resume_of_a_run_not_made_by_run_says_so()
    {
        var archive = TestRuns.TempFolder("cli");
        ArchiveRun.Create(ArchiveStore.RunFolder(archive, "bare"), new RunManifest("bare", "circle-packing", "test")).Dispose();

        var (exit, output) = await RunAsync("resume", "bare", "--archive", archive);

        Assert.NotEqual(0, exit);
        Assert.Contains("not created by `hyperagents run`", output);
    }

    [Fact]
    public async Task Eval_with_a_bad_split_names_the_valid_ones()
    {
        var (exit, output) = await RunAsync("eval", "r", "best", "--split", "holdout", "--archive", TestRuns.TempFolder("cli"));
        Assert.NotEqual(0, exit);
        Assert.Contains("--split 'holdout' is not one of train, val, test", output);
    }

    [Fact]
    public async Task Run_on_an_interactive_console_shows_a_live_panel_then_the_summary()
    {
        var archive = TestRuns.TempFolder("cli");
        var console = new TestConsole().Width(200).Interactive();

        var exit = await CliApp.RunAsync(["run", "--domain", "circle-packing", "--generations", "1", "--tasks", "1", "--replicates", "1", "--name", "live", "--archive", archive,
            "--seed-agent", TestRuns.AgentFolder("Base"), "--time-budget", "30"], console);

        Assert.True(exit == 0, console.Output);
        Assert.Contains("budget left", console.Output);
        Assert.Contains("of 30 min left", console.Output);
        Assert.Contains("1/1", console.Output);
        Assert.Contains("hyperagents status live", console.Output);
        Assert.Contains("log --graph --oneline --exclude='refs/notes/*' --all", console.Output);
    }

    [Fact]
    public async Task Run_with_a_search_strategy_and_the_novelty_filter_names_them_and_says_the_offline_bandit_is_inert()
    {
        var archive = TestRuns.TempFolder("cli");
        var (exit, output) = await RunAsync("run", "--domain", "circle-packing", "--generations", "1", "--tasks", "1", "--replicates", "1", "--name", "search", "--archive", archive,
            "--seed-agent", TestRuns.AgentFolder("Base"), "--isolation", "native", "--selection", "Islands", "--novelty", "0.99", "--model-bandit");

        Assert.True(exit == 0, output);
        Assert.Contains("selection islands,", output);
        Assert.Contains("--model-bandit is inert", output);
        using (var run = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "search")))
        {
            var child = Assert.Single(run.ListVariants(), v => v.Parent is not null);
            Assert.StartsWith("novelty: too close to", child.Status.Reason);
            Assert.Equal("islands", run.ReadProvenance(child.Id).Search?.Strategy);
        }

        var (_, shown) = await RunAsync("show", "search", "latest", "--archive", archive);
        Assert.Contains("islands (island 1 of 4,", shown);
    }

    [Fact]
    public async Task Run_with_selection_agent_lets_the_default_seeds_SelectParent_choose_on_the_offline_engine()
    {
        var archive = TestRuns.TempFolder("cli");
        var (exit, output) = await RunAsync("run", "--domain", "circle-packing", "--generations", "1", "--tasks", "1", "--replicates", "1", "--name", "agent", "--archive", archive,
            "--seed-agent", Path.Combine(AppContext.BaseDirectory, "seeds", "default"), "--isolation", "native", "--selection", "agent");

        Assert.True(exit == 0, output);
        Assert.Contains("selection agent,", output);
        Assert.DoesNotContain("fell back", output);
        using var run = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "agent"));
        var child = Assert.Single(run.ListVariants(), v => v.Parent is not null);
        Assert.Equal("agent", run.ReadProvenance(child.Id).Search?.Strategy);
        Assert.StartsWith("chosen by SelectParent of ", run.ReadProvenance(child.Id).Search?.Detail);
    }

    [Fact]
    public async Task Run_with_selection_agent_and_a_seed_without_SelectParent_says_so_before_the_first_generation()
    {
        var archive = TestRuns.TempFolder("cli");
        var (exit, output) = await RunAsync("run", "--domain", "circle-packing", "--generations", "1", "--tasks", "1", "--replicates", "1", "--name", "noselector", "--archive", archive,
            "--seed-agent", TestRuns.AgentFolder("Base"), "--isolation", "native", "--selection", "agent");

        Assert.True(exit == 0, output);
        var said = output.IndexOf("has no SelectParent entry point", StringComparison.Ordinal);
        Assert.True(said >= 0 && said < output.IndexOf("gen 1/1", StringComparison.Ordinal), output);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "no SelectParent entry point"));
    }

    private static async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var console = new TestConsole().Width(400);
        var exit = await CliApp.RunAsync(args, console);
        return (exit, console.Output);
    }
}
