using Hyperagents.Cli.Runs;
using Hyperagents.Compiler;
using Hyperagents.Engine;
using Hyperagents.Models;
using Hyperagents.TestSupport;

namespace Hyperagents.Cluster.Tests;

/// <summary>Model sessions on a node (an in-process Orleans cluster) whose model is the scripted stand-in for a language
/// model.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NodeModelSessionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Two_sessions_with_the_same_id_at_once_on_one_node_each_report_only_their_own_model_calls()
    {
        TestNodes.Reset();
        await using var standIn = await ScriptedOpenAiServer.StartAsync();
        // One plain answer per session (no tool calls): the seed's meta agent stops after it.
        standIn.Responder = _ => ScriptedReply.Reply("Nothing to change.", 1200, 90);
        using var models = ModelServices.Create(new ModelOptions { MetaModel = "openai:gpt-scripted", Endpoint = standIn.BaseUrl.ToString(), Environment = _ => null });
        TestNodes.Setups["Primary"] = new NodeSetup { Slots = 2, Models = () => new CliModelAccess(models) };
        var settings = TestNodes.Settings(1);
        await using var cluster = await TestNodes.StartAsync(1);
        await using var dispatcher = new ClusterDispatcher(cluster.Client, TestNodes.ClusterSecret, TestNodes.Shipment(TestDomains.Open(settings.Domain)), settings.TaskLimits,
            watchInterval: TimeSpan.FromMilliseconds(500));
        await dispatcher.WaitForNodesAsync(1, new CancellationTokenSource(Guard).Token);

        // The same attempt twice at once on the one node: as a resumed orchestrator sends an attempt again while the
        // killed one's session still runs there, or as two runs send their first attempts. Both first calls are held
        // until both have arrived, so the sessions overlap.
        var seed = AgentSource.FromDirectory(Path.Combine(AppContext.BaseDirectory, "seeds", "default"));
        var files = seed.Files;
        var agent = TestNodes.Compiler.Compile(seed).Agent!;
        var work = new SessionWork
        {
            Attempt = 1,
            ParentId = new string('a', 40),
            ParentFiles = files,
            MetaAgent = agent,
            MetaSeed = 42,
            Session = "attempt-1",
            Lineage = [],
            Instruction = settings.Instruction,
            MetaLimits = settings.MetaLimits,
            TaskLimits = settings.TaskLimits,
            MaxTryEvaluations = 1,
            CompileTimeout = settings.CompileTimeout,
            TasksPerSplit = settings.TasksPerSplit,
        };
        standIn.Hold();
        var sessions = new[] { dispatcher.ModifySelfAsync(work, CancellationToken.None), dispatcher.ModifySelfAsync(work, CancellationToken.None) };
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (standIn.CurrentRequests < 2)
        {
            Assert.True(waited.Elapsed < Guard && !sessions.All(t => t.IsCompleted), $"{standIn.CurrentRequests} call(s) held, {standIn.Requests.Count} received");
            await Task.Delay(50);
        }

        standIn.Release();
        var results = await Task.WhenAll(sessions).WaitAsync(Guard);

        // Each session made one call and reports it, not the other's (one shared chat reported both calls, then none).
        Assert.Equal(2, standIn.Requests.Count);
        Assert.All(results, r => Assert.Equal((1, 1200L, 90L), (r.Usage?.Requests, r.Usage?.InputTokens, r.Usage?.OutputTokens)));
        Assert.All(results, r => Assert.Equal(1, ModelExchanges(r.Transcript)));
    }

    /// <summary>The model exchanges a transcript records.</summary>
    private static int ModelExchanges(string transcript) => transcript.Split('\n')
        .Where(l => l.StartsWith("{\"type\":\"model\"", StringComparison.Ordinal))
        .Sum(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["exchanges"]!.AsArray().Count);
}
