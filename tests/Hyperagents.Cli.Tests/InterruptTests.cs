using System.Diagnostics;
using System.Text;
using Hyperagents.Archive;

namespace Hyperagents.Cli.Tests;

/// <summary>Ctrl+C on a real terminal: the program runs under a pseudo-terminal (util-linux <c>script</c>, in Debian's
/// essential set), and the test types Ctrl+C into it, so the terminal's line discipline sends SIGINT as it would to a user's
/// run. Ctrl+C is typed by progress (once an attempt is under way), never after a fixed time.</summary>
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
        var dll = Path.Combine(AppContext.BaseDirectory, "hyperagents.dll");
        var command = $"dotnet '{dll}' run --domain circle-packing --generations 50 --name ctrlc --archive '{_cli.Archive}' --seed-agent '{CliProcess.SeedAgent}'";
        var start = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _cli.Root };
        foreach (var a in new[] { "-q", "-f", "-e", "-c", command, "/dev/null" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("OPENAI_API_KEY");
        start.Environment.Remove("ANTHROPIC_API_KEY");
        start.Environment.Remove("HYPERAGENTS_ARCHIVE");
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
                if (output.ToString().Contains("gen 1/50: parent", StringComparison.Ordinal))
                {
                    started.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        // The output is read under its lock: the process may still be appending to it.
        string Output()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        if (await Task.WhenAny(started.Task, exited, Task.Delay(TimeSpan.FromMinutes(5))) != started.Task)
        {
            Assert.Fail("the run never started its first attempt: " + Output());
        }

        await process.StandardInput.WriteAsync('\u0003');
        await process.StandardInput.FlushAsync();

        if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromMinutes(5))) != exited)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the program did not stop after Ctrl+C: " + Output());
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
