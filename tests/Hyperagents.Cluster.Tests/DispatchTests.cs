using Hyperagents.Domains;
using Hyperagents.Testing;

namespace Hyperagents.Cluster.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}

/// <summary>The dispatcher over an in-process Orleans cluster (TestingHost) whose nodes run draws in real native
/// workers: lineage, node loss, result checks and authentication.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DispatchTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_run_whose_sessions_and_draws_run_on_three_nodes_has_the_lineage_of_the_same_run_on_one_machine()
    {
        TestNodes.Reset();
        using var folder = new TempFolder();
        var settings = TestNodes.Settings(3);
        using var alone = await TestNodes.RunAsync(folder.Combine("alone"), settings, null);

        await using var cluster = await TestNodes.StartAsync(3);
        await using var dispatcher = Dispatcher(cluster, settings);
        await dispatcher.WaitForNodesAsync(3, new CancellationTokenSource(Guard).Token);
        using var spread = await TestNodes.RunAsync(folder.Combine("cluster"), settings, dispatcher).WaitAsync(Guard);

        Assert.Equal(TestNodes.Lineage(alone), TestNodes.Lineage(spread));
        Assert.Equal(4, TestNodes.Lineage(spread).Count);
        Assert.True(TestNodes.Ran.Count >= 2, $"draws ran on {TestNodes.Ran.Count} node(s)");
        Assert.Equal(3, TestNodes.Sessions.Values.Sum());
        Assert.Empty(dispatcher.Refusals);
        Assert.Equal(0, dispatcher.Tracked);
    }

    [Fact]
    public async Task A_node_killed_mid_session_loses_nothing_the_attempt_runs_again_elsewhere_with_the_same_seed_and_the_lineage_is_unchanged()
    {
        TestNodes.Reset();
        using var folder = new TempFolder();

        var settings = TestNodes.Settings(2);
        using var alone = await TestNodes.RunAsync(folder.Combine("alone"), settings, null);

        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Secondary_1 has the most free slots: the first attempt goes to it, and hangs there until it is killed.
        TestNodes.Setups["Secondary_1"] = new NodeSetup { HangSession = hung, Slots = 3 };
        await using var cluster = await TestNodes.StartAsync(3);
        await using var dispatcher = Dispatcher(cluster, settings);
        await dispatcher.WaitForNodesAsync(3, new CancellationTokenSource(Guard).Token);
        var run = TestNodes.RunAsync(folder.Combine("cluster"), settings, dispatcher);

        await hung.Task.WaitAsync(Guard);
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.Name == "Secondary_1"));
        using var spread = await run.WaitAsync(Guard);

        Assert.Equal(TestNodes.Lineage(alone), TestNodes.Lineage(spread));
        Assert.Equal(2, TestNodes.Sessions.Values.Sum());
        Assert.False(TestNodes.Sessions.ContainsKey("Secondary_1"));
        Assert.Contains(dispatcher.Nodes, n => n.NodeId == "Secondary_1" && n.State == "lost");
    }

    public static TheoryData<string, string> SessionTampering => new()
    {
        { "other-work", "which it was not given" },
        { "other-tree", "child tree for" },
        { "other-attempt", "for another attempt" },
    };

    [Theory]
    [MemberData(nameof(SessionTampering))]
    public async Task A_session_result_for_an_attempt_the_node_was_not_given_or_whose_child_tree_does_not_match_its_hash_is_refused_and_runs_elsewhere(string tamper, string refusal)
    {
        TestNodes.Reset();
        using var folder = new TempFolder();
        var settings = TestNodes.Settings(1);
        using var alone = await TestNodes.RunAsync(folder.Combine("alone"), settings, null);

        // The node with the most free slots gets the attempt first: it is the one that tampers.
        TestNodes.Setups["Primary"] = new NodeSetup { Slots = 3, SessionTamper = o => tamper switch
        {
            "other-work" => o with { WorkId = "s999999:forged" },
            "other-tree" => Rehashed(o, d => d["result"]!["files"]!.AsObject().Add("planted.cs", "// not what the session left")),
            _ => Rehashed(o, d => d["session"] = "attempt-99"),
        } };
        await using var cluster = await TestNodes.StartAsync(2);
        await using var dispatcher = Dispatcher(cluster, settings);
        await dispatcher.WaitForNodesAsync(2, new CancellationTokenSource(Guard).Token);
        using var spread = await TestNodes.RunAsync(folder.Combine("cluster"), settings, dispatcher).WaitAsync(Guard);

        Assert.Equal(TestNodes.Lineage(alone), TestNodes.Lineage(spread));
        Assert.Contains(dispatcher.Refusals, r => r.Contains("node Primary returned", StringComparison.Ordinal) && r.Contains(refusal, StringComparison.Ordinal));
        Assert.Contains(dispatcher.Nodes, n => n.NodeId == "Primary" && n.State == "refused");
        Assert.Equal(1, TestNodes.Sessions.GetValueOrDefault("Secondary_1"));
    }

    [Fact]
    public async Task A_node_killed_mid_draw_loses_nothing_its_draw_runs_again_elsewhere_and_the_lineage_is_unchanged()
    {
        TestNodes.Reset();
        using var folder = new TempFolder();
        var settings = TestNodes.Settings(2);
        using var alone = await TestNodes.RunAsync(folder.Combine("alone"), settings, null);

        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TestNodes.Setups["Secondary_1"] = new NodeSetup { Hang = hung };
        await using var cluster = await TestNodes.StartAsync(3);
        await using var dispatcher = Dispatcher(cluster, settings);
        await dispatcher.WaitForNodesAsync(3, new CancellationTokenSource(Guard).Token);
        var run = TestNodes.RunAsync(folder.Combine("cluster"), settings, dispatcher);

        await hung.Task.WaitAsync(Guard);
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.Name == "Secondary_1"));
        using var spread = await run.WaitAsync(Guard);

        Assert.Equal(TestNodes.Lineage(alone), TestNodes.Lineage(spread));
        Assert.Contains(dispatcher.Refusals, r => r.Contains("node Secondary_1 left the cluster", StringComparison.Ordinal) || r.Contains("node Secondary_1 failed during work", StringComparison.Ordinal));
        Assert.Contains(dispatcher.Nodes, n => n.NodeId == "Secondary_1" && n.State == "lost");
    }

    public static TheoryData<string, string> Tampering => new()
    {
        { "other-work", "which it was not given" },
        { "other-bytes", "do not match its hash" },
        { "other-task", "returned a result for task" },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task A_result_for_work_the_node_was_not_given_or_not_matching_its_hash_is_refused_and_its_draw_runs_elsewhere(string tamper, string refusal)
    {
        TestNodes.Reset();
        using var folder = new TempFolder();
        var settings = TestNodes.Settings(1);
        using var alone = await TestNodes.RunAsync(folder.Combine("alone"), settings, null);

        TestNodes.Setups["Secondary_1"] = new NodeSetup { Tamper = o => tamper switch
        {
            "other-work" => o with { WorkId = "w999999:forged" },
            "other-bytes" => o with { Result = [.. o.Result, (byte)' '] },
            _ => o with { Result = Retask(o.Result), ResultHash = ClusterSecret.Hash(Retask(o.Result)) },
        } };
        await using var cluster = await TestNodes.StartAsync(2);
        await using var dispatcher = Dispatcher(cluster, settings);
        await dispatcher.WaitForNodesAsync(2, new CancellationTokenSource(Guard).Token);
        using var spread = await TestNodes.RunAsync(folder.Combine("cluster"), settings, dispatcher).WaitAsync(Guard);

        Assert.Equal(TestNodes.Lineage(alone), TestNodes.Lineage(spread));
        Assert.Contains(dispatcher.Refusals, r => r.Contains("Secondary_1", StringComparison.Ordinal) && r.Contains(refusal, StringComparison.Ordinal));
        Assert.Contains(dispatcher.Nodes, n => n.NodeId == "Secondary_1" && n.State == "refused");
    }

    [Fact]
    public async Task A_node_without_the_cluster_secret_is_refused_and_never_given_work()
    {
        TestNodes.Reset();
        using var folder = new TempFolder();
        var settings = TestNodes.Settings(1);
        TestNodes.Setups["Secondary_1"] = new NodeSetup { Secret = new ClusterSecret("another-secret-that-is-long-enough") };
        await using var cluster = await TestNodes.StartAsync(2);
        await using var dispatcher = Dispatcher(cluster, settings);
        await dispatcher.WaitForNodesAsync(1, new CancellationTokenSource(Guard).Token);
        while (!dispatcher.Nodes.Any(n => n.NodeId == "Secondary_1"))
        {
            await dispatcher.RefreshAsync().WaitAsync(Guard);
        }

        using var run = await TestNodes.RunAsync(folder.Combine("cluster"), settings, dispatcher).WaitAsync(Guard);

        Assert.Contains(dispatcher.Refusals, r => r.Contains("Secondary_1 refused: it does not prove the cluster secret", StringComparison.Ordinal));
        Assert.False(TestNodes.Ran.ContainsKey("Secondary_1"));
        Assert.True(TestNodes.Ran["Primary"] > 0);
    }

    [Fact]
    public async Task An_evaluations_draws_reach_a_node_in_one_message_per_batch_of_its_free_slots_and_come_back_in_draw_order()
    {
        TestNodes.Reset();
        var settings = TestNodes.Settings(1);
        TestNodes.Setups["Primary"] = new NodeSetup { Slots = 4 };
        await using var cluster = await TestNodes.StartAsync(1);
        await using var dispatcher = Dispatcher(cluster, settings);
        await dispatcher.WaitForNodesAsync(1, new CancellationTokenSource(Guard).Token);
        var agent = TestNodes.Compiler.Compile(Compiler.AgentSource.FromFiles(TestNodes.SeedAgent())).Agent!;
        var tasks = TestDomains.Open(settings.Domain).GetTasks(Split.Train);
        var draws = Enumerable.Range(0, 6).Select(i => new Engine.TaskDraw(tasks[i % 2], i, 1000UL + (ulong)i)).ToList();

        var results = await dispatcher.EvaluateDrawsAsync(agent, draws, CancellationToken.None).WaitAsync(Guard);

        Assert.Equal([4, 2], TestNodes.Batches["Primary"]);
        Assert.Equal(draws.Select(d => (d.Task.Id, d.Seed, d.Replicate)), results.Select(r => (r.TaskId, r.Seed, r.Replicate)));
        Assert.Equal(6, dispatcher.Nodes.Single().Completed);
        Assert.Equal(0, dispatcher.Tracked);
    }

    private static ClusterDispatcher Dispatcher(Orleans.TestingHost.TestCluster cluster, Engine.RunSettings settings)
    {
        var domain = TestDomains.Open(settings.Domain);
        return new ClusterDispatcher(cluster.Client, TestNodes.ClusterSecret, TestNodes.Shipment(domain), settings.TaskLimits, watchInterval: TimeSpan.FromMilliseconds(500));
    }

    /// <summary>A session result changed by <paramref name="change"/>, with a hash that matches the changed bytes.</summary>
    private static SessionOutcome Rehashed(SessionOutcome outcome, Action<System.Text.Json.Nodes.JsonNode> change)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(outcome.Result)!;
        change(document);
        var bytes = System.Text.Encoding.UTF8.GetBytes(document.ToJsonString());
        return outcome with { Result = bytes, ResultHash = ClusterSecret.Hash(bytes) };
    }

    /// <summary>The same result document, claiming another task.</summary>
    private static byte[] Retask(byte[] result) =>
        System.Text.Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.UTF8.GetString(result), "\"taskId\":\"[^\"]*\"", "\"taskId\":\"forged\""));
}
