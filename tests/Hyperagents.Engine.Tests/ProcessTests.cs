using Hyperagents.Testing;
using System.Text;
using Hyperagents.Archive;
using Hyperagents.Engine.Tests.Support;

namespace Hyperagents.Engine.Tests;

/// <summary>The CLI as a separate process: SIGKILL at random moments then <c>resume</c> (threat rows C2, C8), and
/// <c>eval --split test</c> and <c>status</c> on a finished run.</summary>
[Collection(RunsCollection.Name)]
public sealed class ProcessTests(Xunit.Abstractions.ITestOutputHelper testOutput)
{
    [Fact]
    public async Task Resume_after_SIGKILL_at_random_moments_loses_and_duplicates_nothing()
    {
        const int generations = 10; // four rounds archive at most nine attempts before the final resume, which has work left
        var root = TestRuns.TempFolder("kill");
        var archiveFolder = Path.Combine(root, "archive");
        var seed = TestRuns.AgentFolder("Base");
        var random = new Random(20261123);
        var runFolder = ArchiveStore.RunFolder(archiveFolder, "k");
        var log = new StringBuilder();
        var kills = 0;
        for (var round = 0; round < 4; round++)
        {
            var args = Directory.Exists(runFolder)
                ? new[] { "resume", "k", "--archive", archiveFolder }
                : ["run", "--domain", "circle-packing", "--generations", $"{generations}", "--isolation", "native", "--tasks", "1", "--replicates", "1", "--name", "k", "--archive", archiveFolder, "--seed-agent", seed];
            var output = new StringBuilder();
            using var p = CliProcess.Start(root, output, args);
            // Round 0 dies at a random moment of start-up (creating the archive, evaluating the seed); later rounds
            // die a random 0-150 ms (about one attempt here) after this process archived its first or second attempt,
            // so every round is killed mid-run however fast the machine is, anywhere in an attempt: selecting,
            // running ModifySelf, evaluating, writing the variant, its note or the journal.
            var moment = round == 0
                ? TimeSpan.FromMilliseconds(random.Next(300, 2500))
                : TimeSpan.FromMilliseconds(random.Next(0, 150));
            var archivedBefore = round == 0 ? 0 : random.Next(1, 3);
            var exited = round == 0
                ? await Task.WhenAny(p.WaitForExitAsync(), Task.Delay(moment)) is var _ && p.HasExited
                : await ExitedBeforeAsync(p, output, archivedBefore, moment);
            if (!exited)
            {
                p.Kill(entireProcessTree: false);
                kills++;
            }

            var delay = moment;
            await p.WaitForExitAsync();
            log.AppendLine($"round {round}: {string.Join(' ', args.Take(2))} {(round == 0 ? "after" : $"{archivedBefore} attempt(s) archived, then")} {delay.TotalMilliseconds} ms: {(exited ? "exited " + p.ExitCode : "SIGKILL")}");
            if (exited && p.ExitCode == 0)
            {
                break;
            }
        }

        var (exit, final) = await CliProcess.RunAsync(root, Directory.Exists(runFolder)
            ? ["resume", "k", "--archive", archiveFolder]
            : ["run", "--domain", "circle-packing", "--generations", $"{generations}", "--isolation", "native", "--tasks", "1", "--replicates", "1", "--name", "k", "--archive", archiveFolder, "--seed-agent", seed]);
        Assert.True(exit == 0, log + final);
        testOutput.WriteLine(log.ToString());
        Assert.True(kills >= 2, log.ToString());

        GitProcess.Run(runFolder, "fsck", "--full");
        using (var archive = ArchiveRun.Open(runFolder))
        {
            var attempts = TestRuns.AttemptOf(archive).Values.Order().ToList();
            Assert.Equal(Enumerable.Range(1, generations), attempts);
            Assert.Single(archive.ListVariants(), v => v.Parent is null);
            Assert.All(archive.ListVariants().Where(v => v.Status.State == VariantState.Accepted),
                v => Assert.True(v.Evaluations >= 1, $"{v.ShortId} has no evaluation\n{log}"));
        }

        var (verifyExit, verify) = await CliProcess.RunAsync(root, "verify", "k", "--archive", archiveFolder);
        Assert.True(verifyExit == 0, verify);
        var graph = GitProcess.Run(runFolder, "log", "--all", "--oneline");
        Assert.True(graph.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length >= generations + 1, graph);
    }

    [Fact]
    public async Task Eval_on_the_test_split_attaches_a_new_note_without_changing_the_id_and_status_reports_the_run()
    {
        var root = TestRuns.TempFolder("eval");
        var archiveFolder = Path.Combine(root, "archive");
        var seed = TestRuns.AgentFolder("Base");
        var (exit, output) = await CliProcess.RunAsync(root, "run", "--domain", "circle-packing", "--generations", "1", "--isolation", "native", "--replicates", "1", "--name", "e", "--archive", archiveFolder, "--seed-agent", seed);
        Assert.True(exit == 0, output);
        Assert.Contains("hyperagents resume e", output);
        Assert.Contains("git -C", output);

        var runFolder = ArchiveStore.RunFolder(archiveFolder, "e");
        string best;
        int before;
        List<string> idsBefore;
        using (var archive = ArchiveRun.Open(runFolder))
        {
            best = archive.Best!;
            before = archive.GetVariant(best).Evaluations;
            idsBefore = archive.ListVariants().Select(v => v.Id).Order().ToList();
            Assert.DoesNotContain(archive.GetEvaluations(best), e => e.Splits.ContainsKey("test"));
        }

        var (evalExit, evalOutput) = await CliProcess.RunAsync(root, "eval", "e", "best", "--split", "test", "--archive", archiveFolder);
        Assert.True(evalExit == 0, evalOutput);
        Assert.Contains("n30", evalOutput);
        Assert.Contains("n32", evalOutput);
        using (var archive = ArchiveRun.Open(runFolder))
        {
            Assert.Equal(best, archive.Best);
            Assert.Equal(before + 1, archive.GetVariant(best).Evaluations);
            var last = archive.GetEvaluations(best)[^1];
            Assert.Equal(["test"], last.Splits.Keys);
            Assert.InRange(last.Splits["test"].Score, 0.5, 1.0);
        }

        // Evaluations are notes: no variant was added or rewritten.
        using (var archive = ArchiveRun.Open(runFolder))
        {
            Assert.Equal(idsBefore, archive.ListVariants().Select(v => v.Id).Order().ToList());
        }

        var (statusExit, status) = await CliProcess.RunAsync(root, "status", "e", "--archive", archiveFolder);
        Assert.True(statusExit == 0, status);
        Assert.Contains("1 of 1 (complete)", status);
        Assert.Contains("accepted / rejected / failed", status);
    }

    /// <summary>Waits until the process has printed <paramref name="archived"/> archived attempts ("gen 3/14 0123456789ab
    /// accepted ..."), then for <paramref name="after"/>; true when it exited first. Gives up after two minutes.</summary>
    private static async Task<bool> ExitedBeforeAsync(System.Diagnostics.Process p, StringBuilder output, int archived, TimeSpan after)
    {
        var archivedLine = new System.Text.RegularExpressions.Regex(@"^gen \d+/\d+ [0-9a-f]{12} ", System.Text.RegularExpressions.RegexOptions.Multiline);
        var giveUp = System.Diagnostics.Stopwatch.StartNew();
        while (!p.HasExited)
        {
            lock (output)
            {
                // The message is built only on failure, and under the lock: the process appends to the buffer meanwhile.
                if (giveUp.Elapsed > TimeSpan.FromMinutes(2))
                {
                    Assert.Fail("the CLI printed no archived attempt in two minutes:\n" + output);
                }

                if (archivedLine.Matches(output.ToString()).Count >= archived)
                {
                    break;
                }
            }

            await Task.Delay(10);
        }

        await Task.WhenAny(p.WaitForExitAsync(), Task.Delay(after));
        return p.HasExited;
    }
}
