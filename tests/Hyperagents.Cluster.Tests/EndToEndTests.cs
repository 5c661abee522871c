using System.Diagnostics;
using System.Text;
using Hyperagents.Archive;
using Hyperagents.Testing;

namespace Hyperagents.Cluster.Tests;

/// <summary>Real `hyperagents node` processes on 127.0.0.1 and a real orchestrator (`run --cluster localhost`).</summary>
[Collection(ClusterCollection.Name)]
public sealed class EndToEndTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task Three_node_processes_the_first_killed_mid_run_finish_the_run_it_verifies_and_its_lineage_is_the_one_machine_lineage()
    {
        using var folder = new TempFolder();
        using var cluster = new LocalCluster("e2e");
        var archive = folder.Combine("archive");
        string[] common = ["run", "--domain", "circle-packing", "--generations", "4", "--seed", "11", "--isolation", "native", "--tasks", "2", "--replicates", "1",
            "--seed-agent", Path.Combine(AppContext.BaseDirectory, "seeds", "default"), "--archive", archive];
        var alone = await Cli.RunAsync(folder.Path, [.. common, "--name", "alone"]);
        Assert.True(alone.Exit == 0, alone.Output);

        var nodes = new List<(Process Process, StringBuilder Output)>();
        Process? run = null;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                nodes.Add(await Cli.StartNodeAsync(folder.Path, cluster.Spec, null));
            }

            var output = new StringBuilder();
            run = Cli.Start(folder.Path, output, [.. common, "--name", "spread", "--cluster", cluster.Spec]);
            var status = Path.Combine(archive, "logs", "spread.cluster.json");

            // No node is special: the first one started is the one killed.
            var victim = await KillWhenBusyAsync(status, nodes[0].Process, run);
            if (!run.WaitForExit(Guard))
            {
                Assert.Fail($"the run did not finish within {Guard} of the kill.\nnode table:\n{(File.Exists(status) ? File.ReadAllText(status) : "(none)")}\norchestrator:\n{Tail(output)}\n"
                    + string.Join("\n", nodes.Select((n, i) => $"node {i} (pid {n.Process.Id}):\n{Tail(n.Output)}")));
            }

            run.WaitForExit();
            Assert.True(run.ExitCode == 0, output.ToString());

            var verify = await Cli.RunAsync(folder.Path, "verify", "spread", "--archive", archive);
            Assert.True(verify.Exit == 0, verify.Output);
            using var a = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "alone"));
            using var b = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "spread"));
            Assert.Equal(TestNodes.Lineage(a), TestNodes.Lineage(b));
            var table = File.ReadAllText(status);
            Assert.Contains($"-{victim}-", table, StringComparison.Ordinal);
            Assert.Contains("\"lost\"", table, StringComparison.Ordinal);

            var shown = await Cli.RunAsync(folder.Path, "status", "spread", "--archive", archive);
            Assert.Contains($"cluster {cluster.Spec}", shown.Output, StringComparison.Ordinal);
            Assert.Contains("per minute", shown.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (run is not null)
            {
                Cli.Kill(run);
                run.Dispose();
            }

            foreach (var (process, _) in nodes)
            {
                Cli.Kill(process);
            }
        }
    }

    [Fact]
    public async Task Two_named_localhost_clusters_on_one_machine_keep_their_nodes_apart()
    {
        using var folder = new TempFolder();
        using var first = new LocalCluster("apart-a");
        using var second = new LocalCluster("apart-b");
        var archive = folder.Combine("archive");
        var nodes = new List<(Process Process, StringBuilder Output)>();
        try
        {
            // Started in turns, so that a node of one cluster could only be missed by the other's run by design.
            foreach (var spec in new[] { first.Spec, second.Spec, first.Spec, second.Spec })
            {
                nodes.Add(await Cli.StartNodeAsync(folder.Path, spec, null));
            }

            Assert.All(nodes.Select((n, i) => (n.Output.ToString(), i)), n => Assert.Contains($"cluster {(n.i % 2 == 0 ? first.Spec : second.Spec)}", n.Item1, StringComparison.Ordinal));
            var runs = new[] { (first.Spec, "on-a"), (second.Spec, "on-b") }.Select(r => Cli.RunAsync(folder.Path, "run", "--domain", "circle-packing", "--generations", "1", "--seed", "3",
                "--isolation", "native", "--tasks", "2", "--replicates", "1", "--seed-agent", Path.Combine(AppContext.BaseDirectory, "seeds", "default"),
                "--archive", archive, "--name", r.Item2, "--cluster", r.Item1)).ToList();
            foreach (var (exit, output) in await Task.WhenAll(runs))
            {
                Assert.True(exit == 0, output);
            }

            foreach (var (name, mine) in new[] { ("on-a", 0), ("on-b", 1) })
            {
                // The run's node table lists its own cluster's nodes (at least one did its work) and none of the other's.
                var table = File.ReadAllText(Path.Combine(archive, "logs", name + ".cluster.json"));
                var listed = nodes.Select((n, i) => (Listed: table.Contains($"-{n.Process.Id}-", StringComparison.Ordinal), Mine: i % 2 == mine)).ToList();
                Assert.Contains(listed, n => n.Listed && n.Mine);
                Assert.DoesNotContain(listed, n => n.Listed && !n.Mine);
            }
        }
        finally
        {
            foreach (var (process, _) in nodes)
            {
                Cli.Kill(process);
            }
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            var text = output.ToString();
            return text.Length <= 6000 ? text : "…" + text[^6000..];
        }
    }

    /// <summary>Waits until the orchestrator's node table shows <paramref name="node"/> with a draw in flight or done,
    /// kills its process (SIGKILL) and returns its process id.</summary>
    private static async Task<int> KillWhenBusyAsync(string status, Process node, Process run)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            Assert.False(run.HasExited, "the run ended before the node could be killed");
            var table = File.Exists(status) ? await File.ReadAllTextAsync(status, guard.Token) : "";
            var at = table.IndexOf($"-{node.Id}-", StringComparison.Ordinal);
            if (at >= 0 && System.Text.RegularExpressions.Regex.Match(table[at..], "\"busy\": (\\d+),\\s*\"completed\": (\\d+)") is { Success: true } m
                && (m.Groups[1].Value != "0" || m.Groups[2].Value != "0"))
            {
                Cli.Kill(node);
                return node.Id;
            }

            await Task.Delay(200, guard.Token);
        }
    }
}

/// <summary>A localhost cluster of this test alone (a unique name), its membership folder removed afterwards.</summary>
internal sealed class LocalCluster(string prefix) : IDisposable
{
    public string Name { get; } = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public string Spec => $"localhost/{Name}";

    public void Dispose()
    {
        try
        {
            Directory.Delete(LocalClusterFolder.For(Name), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>The hyperagents CLI built into the test output, as child processes holding the test cluster secret.</summary>
internal static class Cli
{
    public static Process Start(string workingDirectory, StringBuilder output, params string[] args) => Start(workingDirectory, output, null, args);

    /// <summary>Starts the CLI with extra environment variables.</summary>
    public static Process Start(string workingDirectory, StringBuilder output, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        psi.Environment[ClusterSecret.Variable] = TestNodes.Secret;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static Task<(int Exit, string Output)> RunAsync(string workingDirectory, params string[] args) => RunAsync(workingDirectory, null, args);

    public static async Task<(int Exit, string Output)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var output = new StringBuilder();
        using var p = Start(workingDirectory, output, environment, args);
        try
        {
            await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(8)).Token);
        }
        finally
        {
            // A run left behind would keep its cluster (and the test lock it inherited) busy.
            Kill(p);
        }

        p.WaitForExit();
        lock (output)
        {
            return (p.ExitCode, output.ToString());
        }
    }

    /// <summary>Starts `hyperagents node --cluster localhost` (the cluster named default) and waits for its ready line.</summary>
    /// <summary>Starts `hyperagents node --cluster <paramref name="cluster"/>` and waits for its ready line.</summary>
    public static async Task<(Process, StringBuilder)> StartNodeAsync(string workingDirectory, string cluster, IReadOnlyDictionary<string, string>? environment)
    {
        var output = new StringBuilder();
        var p = Start(workingDirectory, output, environment, "node", "--cluster", cluster, "--slots", "2", "--isolation", "native");
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            lock (output)
            {
                if (output.ToString().Contains(" ready: ", StringComparison.Ordinal))
                {
                    return (p, output);
                }
            }

            if (p.HasExited)
            {
                throw new InvalidOperationException("The node exited: " + output);
            }

            await Task.Delay(100, guard.Token);
        }
    }

    public static void Kill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(30_000);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
