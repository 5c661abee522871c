using Hyperagents.Archive;
using Hyperagents.Cli.Tests;
using Hyperagents.Models;
using Hyperagents.Testing;
using Hyperagents.TestSupport;

namespace Hyperagents.Cluster.Tests;

/// <summary>A run's model budgets on a cluster whose nodes call the scripted stand-in for a language model (an
/// OpenAI-compatible endpoint on 127.0.0.1) with their own keys: real `hyperagents node` processes and a real orchestrator.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterBudgetTests
{
    private const string FakeKey = "sk-hyperagents-FAKE-0c1a2b3d4e5f6789";

    [Fact]
    public async Task A_token_budget_stops_a_cluster_run_as_it_stops_one_machine_and_charges_the_nodes_sessions_to_the_run()
    {
        using var folder = new TempFolder();
        using var cluster = new LocalCluster("budget");
        await using var standIn = await ScriptedOpenAiServer.StartAsync();
        standIn.Responder = ScriptedMetaModel.Reply;
        var archive = folder.Combine("archive");
        // The stand-in's first reply costs 90 + 0.25 * 1200 = 390 equivalent tokens: past the budget of 300, so the
        // session's second call is refused and the run stops before its second attempt.
        string[] common = ["run", "--domain", "circle-packing", "--generations", "2", "--seed", "11", "--isolation", "native", "--tasks", "1", "--replicates", "1",
            "--staged-gate", "1", "--token-budget", "300", "--seed-agent", Path.Combine(AppContext.BaseDirectory, "seeds", "default"), "--archive", archive];
        var key = new Dictionary<string, string> { ["OPENAI_API_KEY"] = FakeKey };
        var alone = await Cli.RunAsync(folder.Path, key, [.. common, "--name", "alone", "--meta-model", "openai:gpt-scripted", "--endpoint", standIn.BaseUrl.ToString()]);
        Assert.True(alone.Exit == 0, alone.Output);
        Assert.Contains("token budget is spent", alone.Output, StringComparison.Ordinal);
        Assert.Single(standIn.Requests);

        // The node has the model and the key; the orchestrator has neither, only the budget.
        var nodeEnvironment = new Dictionary<string, string>
        {
            ["OPENAI_API_KEY"] = FakeKey,
            ["HYPERAGENTS_META_MODEL"] = "openai:gpt-scripted",
            ["HYPERAGENTS_ENDPOINT"] = standIn.BaseUrl.ToString(),
        };
        var (node, nodeOutput) = await Cli.StartNodeAsync(folder.Path, cluster.Spec, nodeEnvironment);
        try
        {
            var spread = await Cli.RunAsync(folder.Path, [.. common, "--name", "spread", "--cluster", cluster.Spec]);
            Assert.True(spread.Exit == 0, spread.Output + nodeOutput);
            Assert.Contains("token budget is spent", spread.Output, StringComparison.Ordinal);
            // The node's session stopped at the run's budget as the one-machine session did: one call, not two.
            Assert.Equal(2, standIn.Requests.Count);

            using (var a = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "alone")))
            using (var b = ArchiveRun.Open(ArchiveStore.RunFolder(archive, "spread")))
            {
                Assert.Equal(TestNodes.Lineage(a), TestNodes.Lineage(b));
                var child = Assert.Single(b.ListVariants(), v => v.Parent is not null);
                Assert.Equal(Assert.Single(a.ListVariants(), v => v.Parent is not null).Status.Reason, child.Status.Reason);
                Assert.Contains("budget-exhausted: The run's token budget is spent: 390 of 300", child.Status.Reason, StringComparison.Ordinal);

                // The ledger holds what the node's sessions spent, once: the sum of their usage in the provenance.
                var ledger = TokenLedger.ReadState(File.ReadAllText(Path.Combine(b.Path, "hyperagents", "model-ledger.json"))).Run;
                var usages = b.ListVariants().Select(v => b.ReadProvenance(v.Id).Model).OfType<ModelUsage>().ToList();
                Assert.Equal(usages.Sum(u => u.InputTokens), ledger.InputTokens);
                Assert.Equal(usages.Sum(u => u.OutputTokens), ledger.OutputTokens);
                Assert.Equal(usages.Sum(u => u.Requests), ledger.Calls);
                Assert.Equal(390, ledger.EquivalentTokens);
            }

            foreach (var name in new[] { "alone", "spread" })
            {
                var status = await Cli.RunAsync(folder.Path, "status", name, "--archive", archive);
                Assert.Contains("1 of 2 (resumable)", status.Output, StringComparison.Ordinal);
                Assert.Contains("token budget is spent: 390 of 300", status.Output, StringComparison.Ordinal);
            }

            // Resumed on the cluster, the spent budget stops the run before any session is sent.
            var resumed = await Cli.RunAsync(folder.Path, "resume", "spread", "--archive", archive, "--cluster", cluster.Spec);
            Assert.True(resumed.Exit == 0, resumed.Output);
            Assert.Contains("token budget is spent", resumed.Output, StringComparison.Ordinal);
            Assert.Equal(2, standIn.Requests.Count);
            Assert.Contains("1 of 2 (resumable)", (await Cli.RunAsync(folder.Path, "status", "spread", "--archive", archive)).Output, StringComparison.Ordinal);
        }
        finally
        {
            Cli.Kill(node);
        }
    }
}
