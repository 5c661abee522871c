using Hyperagents.Archive;

namespace Hyperagents.Cli.Tests;

/// <summary>Ctrl+C on a real terminal (<see cref="PseudoTerminal"/>): the terminal's line discipline sends SIGINT as it
/// would to a user's run. Ctrl+C is typed by progress (once an attempt is under way), never after a fixed time.</summary>
public sealed class InterruptTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task The_first_ctrl_c_stops_cleanly_prints_the_resume_line_and_exits_130()
    {
        var (exit, output) = await RunUnderTerminalAsync();

        Assert.True(exit == 130, $"exit {exit}: {output}");
        Assert.Contains("stopping: no new work starts", output, StringComparison.Ordinal);
        Assert.Contains("interrupted.", output, StringComparison.Ordinal);
        Assert.Contains("Continue with: hyperagents resume ctrlc", output, StringComparison.Ordinal);

        // The attempt cut short is not archived as a failure (nor its parent marked invalid): resume runs it again.
        using var run = ArchiveRun.Open(Path.Combine(_cli.Archive, "ctrlc"));
        var variants = run.ListVariants();
        Assert.All(variants, v => Assert.NotEqual(VariantState.Failed, v.Status.State));
        Assert.DoesNotContain(variants, v => v.InvalidParent);
        Assert.True(run.Verify().Ok);
    }

    private async Task<(int Exit, string Output)> RunUnderTerminalAsync()
    {
        await using var terminal = PseudoTerminal.Start(_cli.Root, $"run --domain circle-packing --generations 50 --name ctrlc --archive '{_cli.Archive}' --seed-agent '{CliProcess.SeedAgent}'");
        await terminal.WaitForAsync("gen 1/50: parent");
        await terminal.TypeAsync("\u0003");
        return await terminal.WaitForExitAsync();
    }
}
