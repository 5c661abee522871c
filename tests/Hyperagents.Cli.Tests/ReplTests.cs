using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Snapshooter;
using Snapshooter.Xunit;

namespace Hyperagents.Cli.Tests;

/// <summary><c>hyperagents repl</c>: a scripted session through standard input (its transcript is a snapshot), and Ctrl+C
/// under a pseudo-terminal.</summary>
public sealed class ReplTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_scripted_session_chains_submissions_solves_scores_refuses_and_stops_an_endless_loop()
    {
        const string script = """
            var n = context.Task.GetInt("n");
            n * 2
            int Twice(int v)
            {
                return 2 * v;
            }
            Twice(n) + 1
            System.IO.File.ReadAllText("/etc/passwd")
            var broken = n +;
            while (true) { }
            n
            await SolveTask(context)
            #score
            #quit
            """;
        var (exit, output) = _cli.RunWithInput(script + "\n", "repl", CliProcess.SeedAgent, "--domain", "circle-packing", "--timeout", "20");

        Assert.True(exit == 0, output);
        Match(output);
    }

    [Fact]
    public async Task Ctrl_c_cancels_the_running_submission_and_the_session_goes_on()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hyperagents.dll");
        var start = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _cli.Root };
        foreach (var a in new[] { "-q", "-f", "-e", "-c", $"exec dotnet '{dll}' repl --timeout 600", "/dev/null" })
        {
            start.ArgumentList.Add(a);
        }

        // script runs the command through $SHELL -c; 'exec' makes the REPL script's own child whatever the shell, so
        // the terminal's SIGINT reaches no shell that would die of it (and turn the exit code into 130).
        start.Environment["SHELL"] = "/bin/sh";
        start.Environment["XDG_STATE_HOME"] = _cli.Root;
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var reader = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (output)
                {
                    output.Append(buffer, 0, read);
                }
            }
        });
        try
        {
            await WaitForAsync(output, "#quit to leave", 1);
            await TypeAsync(process, "var k = 41;\n");
            await WaitForAsync(output, "running… (Ctrl+C cancels)", 1);
            await WaitForAsync(output, "> ", 2);
            await TypeAsync(process, "while (true) { }\n");
            await WaitForAsync(output, "running… (Ctrl+C cancels)", 2);
            await TypeAsync(process, "\u0003");
            await WaitForAsync(output, "cancelled", 1);
            await TypeAsync(process, "k + 1\n");
            await WaitForAsync(output, "42", 1);
            await TypeAsync(process, "#quit\n");
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            await reader.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {output}");
            Assert.True(File.Exists(Directory.GetFiles(Path.Combine(_cli.Root, "hyperagents", "repl")).Single()), "the session's history");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task TypeAsync(Process process, string text)
    {
        await process.StandardInput.WriteAsync(text);
        await process.StandardInput.FlushAsync();
    }

    /// <summary>Waits (by progress, not by time: the limit only ends a hung test) until <paramref name="text"/> has
    /// appeared <paramref name="count"/> times.</summary>
    private static async Task WaitForAsync(StringBuilder output, string text, int count)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            string seen;
            lock (output)
            {
                seen = output.ToString();
            }

            if (Regex.Matches(seen, Regex.Escape(text)).Count >= count)
            {
                return;
            }

            Assert.True(limit.Elapsed < TimeSpan.FromMinutes(5), $"'{text}' never appeared {count} time(s): {seen}");
            await Task.Delay(50);
        }
    }

    private static string Normalise(string output) =>
        Regex.Replace(output.ReplaceLineEndings("\n"), @"policy line \d+", "policy line N");

    private static void Match(string output, [CallerMemberName] string name = "", [CallerFilePath] string file = "")
    {
        var folder = Path.GetDirectoryName(file)!;
        Snapshot.Match(Normalise(output).TrimEnd('\n').Split('\n'), new SnapshotFullName($"{nameof(ReplTests)}.{name}.snap", folder));
    }
}
