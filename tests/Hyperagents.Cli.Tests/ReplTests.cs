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
        var (exit, output) = _cli.RunWithInput(SessionScript + "\n", "repl", CliProcess.SeedAgent, "--domain", "circle-packing", "--timeout", "20");

        Assert.True(exit == 0, output);
        Match(output);
    }

    private const string SessionScript = """
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

    [Theory]
    [InlineData("native", "native")]
    [InlineData("contained", "contained")]
    [InlineData("contained --runtime runsc", "contained-runsc")]
    public void In_the_native_and_contained_tiers_a_session_goes_as_in_the_sandbox_and_an_endless_loop_ends_at_the_deadline(string isolation, string tier)
    {
        // The contained tier needs bubblewrap (and runsc, gVisor's, for --runtime runsc; the Hosting tests' fixture
        // installs it); without them the session fails with the reason, and so does this case.
        var (exit, output) = _cli.RunWithInput(SessionScript + "\n", ["repl", CliProcess.SeedAgent, "--domain", "circle-packing", "--isolation", .. isolation.Split(' '), "--timeout", "10"]);
        Assert.True(exit == 0, output);

        // The sandbox's transcript (the snapshot of the session above), but for the tier's name and the loop's end: the
        // same values, the same gate refusal, the same compile error, and the session goes on after the deadline.
        var sandbox = SandboxTranscript();
        var expected = sandbox
            .Select(line => line.Replace("sandbox isolation", tier + " isolation", StringComparison.Ordinal))
            .Select(line => line.StartsWith("out-of-fuel: ", StringComparison.Ordinal)
                ? "deadline: The wall-clock deadline of 10 s passed (RunLimits.WallClock); the worker process tree was killed."
                : line)
            .ToList();
        var lines = Normalise(output).TrimEnd('\n').Split('\n');
        var solve = expected.IndexOf("> await SolveTask(context)");
        Assert.Equal(expected[..(solve + 1)], lines[..(solve + 1)]);

        // The answer and its score: the same shape (the tiers replay within a tolerance, not bit for bit).
        var rest = string.Join('\n', lines[(solve + 1)..]);
        Assert.StartsWith("{\"circles\":[[", rest, StringComparison.Ordinal);
        Assert.Matches(@"\n> #score\nscore 0\.\d{6} \(valid, raw ", rest);
        Assert.EndsWith("\n> #quit", rest, StringComparison.Ordinal);
    }

    [Fact]
    public void A_variant_opens_read_only_from_the_archive_with_its_types_solve_task_and_score_and_bad_names_are_one_line()
    {
        var (runExit, run) = _cli.Run("run", "--domain", "circle-packing", "--generations", "1", "--tasks", "1", "--replicates", "1", "--name", "r", "--seed-agent", CliProcess.SeedAgent);
        Assert.True(runExit == 0, run);
        var folder = Path.Combine(_cli.Archive, "r");
        var before = Contents(folder);

        var (exit, output) = _cli.RunWithInput(
            "typeof(Seed.Solvers.TaskAgent).FullName\nvar answer = await SolveTask(context);\nanswer.Length > 100\nanswer\n#score\n#quit\n",
            "repl", "r", "best", "--timeout", "20");
        Assert.True(exit == 0, output);
        var lines = Normalise(output).TrimEnd('\n').Split('\n');
        Assert.StartsWith("hyperagents repl: sandbox isolation, task ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(" of circle-packing; #help for help, #quit to leave.", lines[0], StringComparison.Ordinal);
        Assert.Equal(["> typeof(Seed.Solvers.TaskAgent).FullName", "Seed.Solvers.TaskAgent", "> var answer = await SolveTask(context);", "> answer.Length > 100", "true", "> answer"], lines[1..7]);
        Assert.StartsWith("{\"circles\":[[", lines[7], StringComparison.Ordinal);
        Assert.Matches(@"\n> #score\nscore 0\.\d{6} \(valid, raw ", string.Join('\n', lines));

        // A wrong run or variant: one line naming what is wrong and what to give instead, exit 2, no trace.
        foreach (var (args, problem) in new (string[] Args, string Problem)[]
        {
            (["repl", "no-such-run", "best"], "There is no run at"),
            (["repl", "r", "zzzz"], "'zzzz' is not a variant id; give 4 or more hex digits of one, or best, seed, latest."),
            (["repl", "r", "0000000"], "No variant of this run starts with '0000000'; list them with 'hyperagents lineage'."),
            (["repl", "r"], "'r' is a run, not an agent folder: name a variant too, e.g. 'hyperagents repl r best'"),
            (["repl", folder], "is a run, not an agent folder: name a variant too"),
        })
        {
            var (badExit, bad) = _cli.RunWithInput("1\n", args);
            Assert.True(badExit == 2, bad);
            Assert.StartsWith("error: ", bad, StringComparison.Ordinal);
            Assert.Contains(problem, bad, StringComparison.Ordinal);
            Assert.Single(bad.TrimEnd('\n').Split('\n'));
        }

        // Nothing of the run changed: every file byte for byte (objects, refs, notes, journal), and it verifies.
        Assert.Equal(before, Contents(folder));
        var (verifyExit, verify) = _cli.Run("verify", "r");
        Assert.True(verifyExit == 0, verify);
    }

    [Theory]
    [InlineData("no-such-run", "There is no run at")]
    [InlineData("..", "'..' is not a run name.")]
    public void A_run_that_is_not_there_is_one_line_and_exit_2(string run, string problem)
    {
        var (exit, output) = _cli.RunWithInput("1\n", "repl", run, "best");

        Assert.True(exit == 2, output);
        Assert.StartsWith("error: ", output, StringComparison.Ordinal);
        Assert.Contains(problem, output, StringComparison.Ordinal);
        Assert.Single(output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Sigterm_while_the_session_waits_for_a_line_ends_it_with_exit_130()
    {
        // Standard input stays open and silent: the session waits for a line when SIGTERM comes.
        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _cli.Root };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"), "repl" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitForTextAsync(output, "#quit to leave");
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await kill.WaitForExitAsync();
            }

            // A hang guard, not a speed check: without the fix the program waits for a line for ever.
            var exited = process.WaitForExitAsync();
            Assert.True(await Task.WhenAny(exited, Task.Delay(TimeSpan.FromMinutes(2))) == exited, "the session did not end: " + output);
            process.WaitForExit();
            lock (output)
            {
                Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {output}");
                Assert.Contains("interrupted.", output.ToString(), StringComparison.Ordinal);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Ctrl_c_cancels_the_running_submission_and_the_session_goes_on()
    {
        await using var terminal = StartTerminal();
        await terminal.WaitForAsync("#quit to leave", 1);
        await terminal.TypeAsync("var k = 41;\n");
        await terminal.WaitForAsync("running… (Ctrl+C cancels)", 1);
        await terminal.WaitForAsync("> ", 2);
        await terminal.TypeAsync("while (true) { }\n");
        await terminal.WaitForAsync("running… (Ctrl+C cancels)", 2);
        await terminal.TypeAsync("\u0003");
        await terminal.WaitForAsync("cancelled", 1);
        await terminal.TypeAsync("k + 1\n");
        await terminal.WaitForAsync("42", 1);
        await terminal.TypeAsync("#quit\n");
        await ExitAsync(terminal);
        Assert.True(File.Exists(Directory.GetFiles(Path.Combine(_cli.Root, "hyperagents", "repl")).Single()), "the session's history");
    }

    [Fact]
    public async Task In_a_terminal_up_recalls_a_submission_to_edit_and_ctrl_c_drops_the_line_being_typed()
    {
        // Keys as a terminal sends them: Up ESC [ A, Left ESC [ D, Home ESC [ H, Backspace DEL, Enter CR.
        const string Up = "\e[A", Left = "\e[D", Home = "\e[H", Backspace = "\u007f";
        await using var terminal = StartTerminal();
        await terminal.WaitForAsync("#quit to leave", 1);
        await terminal.TypeAsync("var k = 41;\r");
        await WaitForPromptAsync(terminal, 1);
        await terminal.TypeAsync("k * 2\r");
        await WaitForPromptAsync(terminal, 2);
        await terminal.WaitForAsync("82", 1);

        // Up twice brings back 'var k = 41;'; Left, Backspace and 3 make it 'var k = 43;'.
        await terminal.TypeAsync(Up + Up + Left + Backspace + "3\r");
        await WaitForPromptAsync(terminal, 3);

        // Up twice brings back 'k * 2'; Home and '1 + ' make it '1 + k * 2', on k = 43.
        await terminal.TypeAsync(Up + Up + Home + "1 + \r");
        await terminal.WaitForAsync("87", 1);
        await WaitForPromptAsync(terminal, 4);

        // Ctrl+C at the prompt drops the half-typed line: nothing runs, the next line is a submission of its own.
        await terminal.TypeAsync("while (true) { }\u0003");
        await terminal.WaitForAsync("^C", 1);
        await terminal.TypeAsync("k - 1\r");
        await terminal.WaitForAsync("42", 1);
        await terminal.TypeAsync("#quit\r");
        var output = await ExitAsync(terminal);

        Assert.DoesNotContain("cancelled", output);
        var history = Directory.GetFiles(Path.Combine(_cli.Root, "hyperagents", "repl")).Single();
        Assert.Equal(["var k = 41;", "k * 2", "var k = 43;", "1 + k * 2", "k - 1"], Hyperagents.Cli.Repl.ReplHistory.Load(history));
    }

    /// <summary>The sandbox session's transcript as its snapshot holds it.</summary>
    private static List<string> SandboxTranscript([CallerFilePath] string file = "") =>
        System.Text.Json.JsonSerializer.Deserialize<List<string>>(File.ReadAllText(Path.Combine(Path.GetDirectoryName(file)!, "__snapshots__",
            $"{nameof(ReplTests)}.{nameof(A_scripted_session_chains_submissions_solves_scores_refuses_and_stops_an_endless_loop)}.snap")))!;

    /// <summary>Every file under <paramref name="folder"/> with the SHA-256 of its bytes, one line each.</summary>
    private static string Contents(string folder) => string.Join('\n', Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(f => Path.GetRelativePath(folder, f) + " " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))));

    private static string Normalise(string output) =>
        Regex.Replace(output.ReplaceLineEndings("\n"), @"policy line \d+", "policy line N");

    private static void Match(string output, [CallerMemberName] string name = "", [CallerFilePath] string file = "")
    {
        var folder = Path.GetDirectoryName(file)!;
        Snapshot.Match(Normalise(output).TrimEnd('\n').Split('\n'), new SnapshotFullName($"{nameof(ReplTests)}.{name}.snap", folder));
    }

    /// <summary><c>hyperagents repl</c> on a pseudo-terminal, its history kept in the test's folder.</summary>
    private PseudoTerminal StartTerminal() =>
        PseudoTerminal.Start(_cli.Root, "repl --timeout 600", new Dictionary<string, string?> { ["XDG_STATE_HOME"] = _cli.Root });

    /// <summary>Waits for the prompt after the <paramref name="count"/>th submission: the program has shown it and
    /// waits for keys.</summary>
    private static Task WaitForPromptAsync(PseudoTerminal terminal, int count) =>
        terminal.WaitUntilAsync(
            seen => Regex.Matches(seen, "running… \\(Ctrl\\+C cancels\\)").Count >= count && seen.EndsWith("> ", StringComparison.Ordinal),
            $"no prompt after submission {count}");

    /// <summary>Waits for the session to end; it must exit 0. Returns what it showed.</summary>
    private static async Task<string> ExitAsync(PseudoTerminal terminal)
    {
        var (exit, output) = await terminal.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, $"exit {exit}: {output}");
        return output;
    }

    /// <summary>Waits (by progress; the limit only ends a hung test) until <paramref name="text"/> appears in
    /// <paramref name="output"/> (locked while read).</summary>
    private static async Task WaitForTextAsync(StringBuilder output, string text)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            lock (output)
            {
                if (output.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                Assert.True(limit.Elapsed < TimeSpan.FromMinutes(5), $"'{text}' never appeared: {output}");
            }

            await Task.Delay(50);
        }
    }
}
