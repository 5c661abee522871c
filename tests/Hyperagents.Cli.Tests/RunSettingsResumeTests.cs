namespace Hyperagents.Cli.Tests;

/// <summary>What a run was started with stays its setting for <c>resume</c> and the commands after it, unless given again.</summary>
public sealed class RunSettingsResumeTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Resume_reads_the_model_config_file_the_run_was_started_with_and_check_takes_a_compile_timeout()
    {
        var config = Path.Combine(_cli.Root, "models.json");
        File.WriteAllText(config, "{}");
        var (exit, output) = _cli.Run("run", "--domain", "circle-packing", "--generations", "0", "--tasks", "1", "--isolation", "native", "--name", "m",
            "--seed-agent", CliProcess.SeedAgent, "--model-config", config, "--compile-timeout", "120");
        Assert.True(exit == 0, output);

        // The stored path is read again: a file broken since is reported, where a forgotten one would go unnoticed.
        File.WriteAllText(config, "not json");
        var (resumed, resumeOutput) = _cli.Run("resume", "m");
        Assert.True(resumed != 0, resumeOutput);
        Assert.Contains(config, resumeOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", resumeOutput, StringComparison.Ordinal);

        // Status names the settings as the CLI takes them.
        var (_, status) = _cli.Run("status", "m");
        Assert.Contains("selection score_child_prop, baseline none", status, StringComparison.Ordinal);

        var (refused, refusal) = _cli.RunWithoutArchive("check", CliProcess.SeedAgent, "--compile-timeout", "0");
        Assert.True(refused == 2, refusal);
        Assert.Contains("--compile-timeout must be between 1 and 3600 seconds", refusal, StringComparison.Ordinal);
        var (passed, check) = _cli.RunWithoutArchive("check", CliProcess.SeedAgent, "--compile-timeout", "300");
        Assert.True(passed == 0, check);
    }
}
