namespace Hyperagents.Cli.Tests;

/// <summary>A run in the contained tier through the command line (needs bubblewrap: without it the run fails with the
/// reason, and so does this test).</summary>
public sealed class ContainedRunTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_contained_run_records_the_runner_by_name_and_its_replay_states_the_tolerance()
    {
        var (exit, output) = _cli.Run("run", "--domain", "circle-packing", "--generations", "1", "--isolation", "contained", "--tasks", "1", "--replicates", "1", "--name", "c", "--seed-agent", CliProcess.SeedAgent);
        Assert.True(exit == 0, output);
        Assert.Contains("contained isolation", output);

        var (statusExit, status) = _cli.Run("status", "c");
        Assert.True(statusExit == 0, status);
        Assert.Contains("isolation contained", status);

        var (replayExit, replay) = _cli.Run("replay", "c", "all");
        Assert.True(replayExit == 0, replay);
        Assert.Contains("ran in the contained runner", replay);
        Assert.Contains("within a tolerance of 1E-09", replay);
        Assert.Contains("replay matches on 2 variants", replay);
    }

    [Fact]
    public void A_run_with_runtime_runsc_records_contained_runsc_and_its_replay_states_the_tolerance()
    {
        // Needs gVisor's runsc (the Hosting tests' fixture installs it); without it the run fails with the reason.
        var (exit, output) = _cli.Run("run", "--domain", "circle-packing", "--generations", "1", "--isolation", "contained", "--runtime", "runsc", "--tasks", "1", "--replicates", "1", "--name", "g", "--seed-agent", CliProcess.SeedAgent);
        Assert.True(exit == 0, output);
        Assert.Contains("contained-runsc isolation", output);

        var (statusExit, status) = _cli.Run("status", "g");
        Assert.True(statusExit == 0, status);
        Assert.Contains("isolation contained-runsc", status);

        var (replayExit, replay) = _cli.Run("replay", "g", "all");
        Assert.True(replayExit == 0, replay);
        Assert.Contains("ran in the contained-runsc runner", replay);
        Assert.Contains("within a tolerance of 1E-09", replay);
        Assert.Contains("replay matches on 2 variants", replay);
    }
}
