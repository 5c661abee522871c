using System.Diagnostics;
using System.Text;

namespace Hyperagents.Cli.Tests;

/// <summary><c>hyperagents experiment</c> end to end on a tiny offline grid: one strategy and one baseline × 1 seed × 2
/// generations of circle-packing on one task per split (the statistics over seeds have their own tests).</summary>
public sealed class ExperimentTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string[] Grid(string folder, string seeds = "1") =>
    [
        "experiment", "--domain", "circle-packing", "--strategies", "score_child_prop", "--baselines", "no-archive", "--seeds", seeds,
        "--generations", "2", "--isolation", "native", "--tasks", "1", "--replicates", "1", "--seed-agent", CliProcess.SeedAgent, "--out", folder,
    ];

    [Fact]
    public async Task An_interrupted_grid_resumes_to_the_table_an_uninterrupted_grid_gives_and_each_cell_is_an_ordinary_run()
    {
        var a = Path.Combine(_cli.Root, "a");
        var b = Path.Combine(_cli.Root, "b");

        // Interrupted (SIGTERM, as Ctrl+C) once the first cell is done: exit 130 and the command that continues it.
        var (stoppedExit, stopped) = await RunUntilAsync(Grid(a), "cell 1/2");
        Assert.True(stoppedExit == 130, $"exit {stoppedExit}: {stopped}");
        Assert.Contains("Continue with: hyperagents experiment", stopped, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(a, "summary.csv")), stopped);

        var (resumedExit, resumed) = await RunUntilAsync(Grid(a), marker: null);
        Assert.True(resumedExit == 0, resumed);
        Assert.Contains("cell 1/2 score_child_prop-seed1: complete (2 attempts), skipped", resumed, StringComparison.Ordinal);
        Assert.Contains("imp@2", resumed, StringComparison.Ordinal);

        // Same seeds, no interruption: the same table, to the last digit.
        var (freshExit, fresh) = await RunUntilAsync(Grid(b), marker: null);
        Assert.True(freshExit == 0, fresh);
        var cells = File.ReadAllText(Path.Combine(a, "cells.csv"));
        Assert.Equal(cells, File.ReadAllText(Path.Combine(b, "cells.csv")));
        Assert.Equal(File.ReadAllText(Path.Combine(a, "summary.csv")), File.ReadAllText(Path.Combine(b, "summary.csv")));
        Assert.Equal(3, cells.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // header + 2 cells × k = 2
        Assert.Contains("no-archive,1,no-archive-seed1,2,", cells, StringComparison.Ordinal);
        var page = File.ReadAllText(Path.Combine(a, "experiment.html"));
        Assert.Contains("id=\"plot-mean\"", page, StringComparison.Ordinal);
        Assert.Contains("<svg", page, StringComparison.Ordinal);

        // A cell is an ordinary run for every other command.
        var (statusExit, status) = _cli.RunWithoutArchive("status", "no-archive-seed1", "--archive", a);
        Assert.True(statusExit == 0, status);
        Assert.Contains("2 of 2 (complete)", status, StringComparison.Ordinal);
        Assert.Contains("seed 1, selection", status, StringComparison.Ordinal);

        // The folder belongs to its grid: another grid is refused in one line naming the fix.
        var (otherExit, other) = _cli.Run(Grid(a, seeds: "2"));
        Assert.Equal(2, otherExit);
        Assert.Contains("holds another experiment", other, StringComparison.Ordinal);
        Assert.Contains("1 seed(s)", other, StringComparison.Ordinal);
        Assert.Contains("pass another --out", other, StringComparison.Ordinal);
        Assert.Equal(2, other.Split("error:").Length); // one message (the console may wrap a long path)
    }

    [Theory]
    [InlineData("--strategies", "no-such-strategy", "--strategies: --selection 'no-such-strategy'")]
    [InlineData("--baselines", "none", "--baselines 'none' is the full loop")]
    [InlineData("--seeds", "0", "--seeds must be at least 1")]
    [InlineData("--strategies", "random,random", "'random' is listed twice")]
    public void Bad_input_is_one_line_naming_the_fix_and_runs_nothing(string flag, string value, string expected)
    {
        var folder = Path.Combine(_cli.Root, "bad");
        string[] args = ["experiment", "--domain", "circle-packing", "--generations", "1", "--strategies", "random", "--out", folder];
        args = [.. args.Where((_, i) => args[i] != flag && (i == 0 || args[i - 1] != flag)), flag, value];

        var (exit, output) = _cli.Run(args);

        Assert.Equal(2, exit);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Single(output.Trim().Split('\n'));
        Assert.False(Directory.Exists(folder));
    }

    /// <summary>Runs the program until it exits, or until its output contains <paramref name="marker"/> and then sends it
    /// SIGTERM. Progress, not time, decides; the generous limit only catches a hung program (a grid is minutes on a loaded machine).</summary>
    private async Task<(int Exit, string Output)> RunUntilAsync(string[] args, string? marker)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _cli.Root };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["COLUMNS"] = "240";
        start.Environment.Remove("OPENAI_API_KEY");
        start.Environment.Remove("ANTHROPIC_API_KEY");
        start.Environment.Remove("HYPERAGENTS_ARCHIVE");
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            lock (output)
            {
                output.AppendLine(line);
                if (marker is not null && line?.Contains(marker, StringComparison.Ordinal) == true)
                {
                    seen.TrySetResult();
                }
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (marker is not null)
        {
            Assert.True(await Task.WhenAny(seen.Task, exited, Task.Delay(TimeSpan.FromMinutes(10))) == seen.Task, "the marker never came: " + output);
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        }

        if (await Task.WhenAny(exited, Task.Delay(TimeSpan.FromMinutes(15))) != exited)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the program did not finish: " + output);
        }

        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
