using System.Diagnostics;
using System.Text;
using Hyperagents.Archive;
using Hyperagents.Testing;

namespace Hyperagents.Cluster.Tests;

/// <summary>The orchestrator of a `run --cluster localhost` killed (SIGKILL) mid-run, then `resume --cluster`: real node
/// processes and real orchestrators on 127.0.0.1.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OrchestratorKillTests
{
    private const int Generations = 3;

    [Fact]
    public async Task An_orchestrator_killed_mid_run_resumes_on_the_cluster_with_each_attempt_once_and_the_one_machine_lineage()
    {
        using var folder = new TempFolder();
        using var cluster = new LocalCluster("kill");
        var archive = folder.Combine("archive");
        string[] common = ["run", "--domain", "circle-packing", "--generations", $"{Generations}", "--seed", "11", "--isolation", "native", "--tasks", "1", "--replicates", "1",
            "--seed-agent", Path.Combine(AppContext.BaseDirectory, "seeds", "default"), "--archive", archive];
        var alone = await Cli.RunAsync(folder.Path, [.. common, "--name", "alone"]);
        Assert.True(alone.Exit == 0, alone.Output);

        var (node, nodeOutput) = await Cli.StartNodeAsync(folder.Path, cluster.Spec, null);
        try
        {
            var output = new StringBuilder();
            using (var run = Cli.Start(folder.Path, output, [.. common, "--name", "spread", "--cluster", cluster.Spec]))
            {
                var runFolder = ArchiveStore.RunFolder(archive, "spread");
                using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(8));
                // The seed and at least one child archived, the run not over: kill it there.
                while (VariantRefs(runFolder) < 2)
                {
                    Assert.False(run.HasExited, "the run ended before its first child was archived: " + output);
                    await Task.Delay(100, guard.Token);
                }

                Assert.False(run.HasExited, "the run ended before it could be killed: " + output);
                Cli.Kill(run);
                Assert.InRange(VariantRefs(runFolder), 2, Generations);
            }

            var resumed = await Cli.RunAsync(folder.Path, "resume", "spread", "--archive", archive, "--cluster", cluster.Spec);
            Assert.True(resumed.Exit == 0, resumed.Output + nodeOutput);
            Assert.Contains($"all {Generations} generations done", resumed.Output, StringComparison.Ordinal);
            var verify = await Cli.RunAsync(folder.Path, "verify", "spread", "--archive", archive);
            Assert.True(verify.Exit == 0, verify.Output);

            using var a = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "alone"));
            using var b = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "spread"));
            var attempts = b.ListVariants().Select(v => b.ReadProvenance(v.Id).Seeds?.GetValueOrDefault("attempt") ?? -1).Order().ToList();
            Assert.Equal(Enumerable.Range(0, Generations + 1).Select(i => (long)i), attempts);
            Assert.Equal(TestNodes.Lineage(a), TestNodes.Lineage(b));
        }
        finally
        {
            Cli.Kill(node);
        }
    }

    /// <summary>The run's variant refs, read with git (read-only) while the orchestrator writes.</summary>
    private static int VariantRefs(string runFolder)
    {
        if (!Directory.Exists(runFolder))
        {
            return 0;
        }

        var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-C", runFolder, "for-each-ref", "--format=%(refname)", ArchiveRun.VariantRefPrefix })
        {
            psi.ArgumentList.Add(arg);
        }

        using var git = Process.Start(psi)!;
        var refs = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        return git.ExitCode == 0 ? refs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length : 0;
    }
}
