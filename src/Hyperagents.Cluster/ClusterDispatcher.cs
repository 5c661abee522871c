using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;
using Orleans.Runtime;

namespace Hyperagents.Cluster;

/// <summary>A node as the orchestrator sees it.</summary>
/// <param name="NodeId">Its id (silo name).</param>
/// <param name="Slots">Its slots.</param>
/// <param name="Busy">Draws it runs for this orchestrator now.</param>
/// <param name="Completed">Draws it returned and that were accepted.</param>
/// <param name="PerMinute">Accepted draws in the last minute.</param>
/// <param name="State"><c>active</c>, <c>lost</c> (left or failed mid-draw) or <c>refused</c> (failed a check).</param>
public sealed record NodeStatus(string NodeId, int Slots, int Busy, long Completed, int PerMinute, string State);

/// <summary>Runs an evaluation's draws and the attempts' <c>ModifySelf</c> sessions on a cluster's nodes, by free slots (the node with the most first). Every node is challenged with the cluster
/// secret before it gets work; every result is checked on arrival (it answers the work this node was given, its bytes
/// match its hash, its HMAC verifies, it is the draw that was asked) and accepted once. A node that fails mid-draw is
/// dropped and the draw dispatched again, with the same seed, to another node; a node whose result fails a check is
/// refused from then on and the draw dispatched again. Draws are identified by the orchestrator, seeds are the loop's:
/// where a draw ran never changes its result.</summary>
public sealed class ClusterDispatcher : IDrawExecutor, IAttemptExecutor, IAsyncDisposable
{
    private static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(30);
    private readonly IGrainFactory _grains;
    private readonly ClusterSecret _secret;
    private readonly DomainShipment _domain;
    private readonly string _limits;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _excluded = new(StringComparer.Ordinal);
    // Work in flight, by work id: the node it was given to. Accepting a result removes its entry (so a result is
    // accepted once, and this holds only what is in flight: a long run's finished work leaves nothing behind).
    private readonly ConcurrentDictionary<string, string> _assigned = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _refusals = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watch;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;

    /// <summary>Creates a dispatcher over a connected cluster and starts watching its membership.</summary>
    /// <param name="grains">The cluster client.</param>
    /// <param name="secret">The cluster secret.</param>
    /// <param name="domain">The run's domain as it travels.</param>
    /// <param name="limits">The limits of one task call.</param>
    /// <param name="logger">Where refusals and losses are logged.</param>
    /// <param name="watchInterval">How often membership and node load are refreshed.</param>
    public ClusterDispatcher(IGrainFactory grains, ClusterSecret secret, DomainShipment domain, RunLimits limits, ILogger? logger = null, TimeSpan? watchInterval = null)
    {
        _grains = grains;
        _secret = secret;
        _domain = domain;
        _limits = JsonSerializer.Serialize(limits, Wire.Json);
        _logger = logger ?? NullLogger.Instance;
        _watch = WatchAsync(watchInterval ?? TimeSpan.FromSeconds(2));
    }

    /// <summary>Every refusal so far (a node that failed the challenge, a result that failed a check), as logged.</summary>
    public IReadOnlyList<string> Refusals => [.. _refusals];

    /// <summary>The nodes seen so far.</summary>
    public IReadOnlyList<NodeStatus> Nodes
    {
        get
        {
            lock (_gate)
            {
                var cutoff = DateTime.UtcNow.AddMinutes(-1);
                var active = _nodes.Values.Select(n => new NodeStatus(n.Id, n.Slots, n.InFlight, n.Completed, n.Finished.Count(t => t >= cutoff), "active"));
                var gone = _excluded.Select(e => new NodeStatus(e.Key, 0, 0, 0, 0, e.Value));
                return [.. active.Concat(gone).OrderBy(n => n.NodeId, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Enrols the nodes in the cluster's membership that are not known yet: each must answer a fresh
    /// challenge with the cluster secret.</summary>
    /// <returns>How many active nodes there are now.</returns>
    public async Task<int> RefreshAsync()
    {
        await _refreshing.WaitAsync().ConfigureAwait(false);
        try
        {
            // Bounded: the client's response timeout is long (a draw may take that long), and a refresh that never answered
            // would hold the lock, so no lost node would ever be noticed and its work never dispatched again.
            var hosts = await _grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true).WaitAsync(RefreshTimeout).ConfigureAwait(false);
            var active = hosts.Select(h => h.SiloName).Where(n => !string.IsNullOrEmpty(n)).ToHashSet(StringComparer.Ordinal);
            List<string> left;
            lock (_gate)
            {
                left = [.. _nodes.Keys.Where(n => !active.Contains(n))];
            }

            foreach (var name in left)
            {
                // Membership declared it dead: the calls in flight on it will never answer; they go elsewhere now.
                Exclude(name, "lost", $"node {name} left the cluster; its draws in flight are dispatched again with the same seeds");
            }

            foreach (var name in active.Order(StringComparer.Ordinal))
            {
                lock (_gate)
                {
                    if (_nodes.ContainsKey(name) || _excluded.ContainsKey(name))
                    {
                        continue;
                    }
                }

                await EnrolAsync(name).ConfigureAwait(false);
            }

            lock (_gate)
            {
                return _nodes.Count;
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> nodes are enrolled.</summary>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task WaitForNodesAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                if (await RefreshAsync().ConfigureAwait(false) >= count)
                {
                    return;
                }
            }
            catch (Exception ex) when (IsNodeLoss(ex))
            {
                // A member that is going away (or a gateway not ready yet): membership settles, ask again.
                _logger.LogDebug(ex, "Membership refresh failed; retrying");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskResult>> EvaluateDrawsAsync(CompiledAgent agent, IReadOnlyList<TaskDraw> draws, CancellationToken cancellationToken)
    {
        var works = draws.Select(d => new DrawWork
        {
            WorkId = $"w{Interlocked.Increment(ref _sequence)}:{agent.Id[..12]}:{d.Task.Id}#{d.Replicate}",
            TaskId = d.Task.Id,
            Replicate = d.Replicate,
            Seed = d.Seed,
        }).ToList();
        var index = works.Select((w, i) => (w.WorkId, i)).ToDictionary(p => p.WorkId, p => p.i, StringComparer.Ordinal);
        var results = await DispatchAsync<DrawWork, DrawOutcome, TaskResult>(works, w => w.WorkId,
            (nodeId, batch, token) => CallAsync(nodeId, new DrawBatch { AgentId = agent.Id, DomainKey = _domain.Key, LimitsJson = _limits, Draws = [.. batch] }, agent, token),
            (nodeId, work, outcome) => (Check(work, draws[index[work.WorkId]], nodeId, outcome, out var result), result), cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _watch.ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>The checks every result passes before it is used.</summary>
    /// <returns><see langword="null"/> when the result is good, else why it is refused.</returns>
    internal string? Check(DrawWork work, TaskDraw draw, string nodeId, DrawOutcome outcome, out TaskResult? result)
    {
        result = null;
        if (!_assigned.TryGetValue(outcome.WorkId, out var givenTo) || givenTo != nodeId)
        {
            return $"node {nodeId} returned a result for work '{outcome.WorkId}', which it was not given";
        }

        if (outcome.WorkId != work.WorkId || outcome.NodeId != nodeId)
        {
            return $"node {nodeId} answered work '{work.WorkId}' as '{outcome.WorkId}' from '{outcome.NodeId}'";
        }

        if (ClusterSecret.Hash(outcome.Result) != outcome.ResultHash)
        {
            return $"node {nodeId} returned a result for '{work.WorkId}' whose bytes do not match its hash";
        }

        if (!_secret.Verify(outcome.Mac, "result", outcome.WorkId, outcome.NodeId, outcome.ResultHash))
        {
            return $"node {nodeId} returned a result for '{work.WorkId}' not signed with the cluster secret";
        }

        try
        {
            result = Wire.Decode(outcome.Result);
        }
        catch (JsonException ex)
        {
            return $"node {nodeId} returned an unreadable result for '{work.WorkId}': {ex.Message}";
        }

        if (result.TaskId != draw.Task.Id || result.Seed != draw.Seed || result.Replicate != draw.Replicate)
        {
            return $"node {nodeId} returned a result for task {result.TaskId} seed {result.Seed:x16} to work '{work.WorkId}' (task {draw.Task.Id} seed {draw.Seed:x16})";
        }

        return _assigned.TryRemove(new KeyValuePair<string, string>(work.WorkId, nodeId)) ? null : $"node {nodeId} returned work '{work.WorkId}' again";
    }

    /// <inheritdoc />
    public Task<SessionResult> ModifySelfAsync(SessionWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var treeHash = ClusterSecret.TreeHash(work.ParentFiles);
        var message = new SessionMessage
        {
            WorkId = $"s{Interlocked.Increment(ref _sequence)}:attempt-{work.Attempt}:{work.MetaAgent.Id[..12]}",
            AgentId = work.MetaAgent.Id,
            DomainKey = _domain.Key,
            TreeHash = treeHash,
            WorkJson = JsonSerializer.Serialize(SessionWire.Of(work), Wire.Json),
        };
        return SessionAsync(message, work, cancellationToken);
    }

    private async Task<SessionResult> SessionAsync(SessionMessage message, SessionWork work, CancellationToken cancellationToken)
    {
        var results = await DispatchAsync<SessionMessage, SessionOutcome, SessionResult>([message], m => m.WorkId,
            async (nodeId, _, token) => [await CallAsync(nodeId, message, work, token).ConfigureAwait(false)],
            (nodeId, _, outcome) => (CheckSession(message, work, nodeId, outcome, out var result), result), cancellationToken).ConfigureAwait(false);
        return results[0];
    }

    /// <summary>The checks every session result passes before the loop compiles and gates its child.</summary>
    /// <returns><see langword="null"/> when the result is good, else why it is refused.</returns>
    internal string? CheckSession(SessionMessage message, SessionWork work, string nodeId, SessionOutcome outcome, out SessionResult? result)
    {
        result = null;
        if (!_assigned.TryGetValue(outcome.WorkId, out var givenTo) || givenTo != nodeId)
        {
            return $"node {nodeId} returned a session for work '{outcome.WorkId}', which it was not given";
        }

        if (outcome.WorkId != message.WorkId || outcome.NodeId != nodeId)
        {
            return $"node {nodeId} answered session '{message.WorkId}' as '{outcome.WorkId}' from '{outcome.NodeId}'";
        }

        if (ClusterSecret.Hash(outcome.Result) != outcome.ResultHash)
        {
            return $"node {nodeId} returned a session for '{message.WorkId}' whose bytes do not match its hash";
        }

        if (!_secret.Verify(outcome.Mac, "session", outcome.WorkId, outcome.NodeId, outcome.ResultHash))
        {
            return $"node {nodeId} returned a session for '{message.WorkId}' not signed with the cluster secret";
        }

        SessionDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<SessionDocument>(outcome.Result, Wire.Json);
        }
        catch (JsonException ex)
        {
            return $"node {nodeId} returned an unreadable session for '{message.WorkId}': {ex.Message}";
        }

        if (document?.Result is not { Files: not null, Outcome: not null, Transcript: not null, ProtectedPathAttempts: not null } session)
        {
            return $"node {nodeId} returned an incomplete session for '{message.WorkId}'";
        }

        if (document.ParentTreeHash != message.TreeHash || document.MetaSeed != work.MetaSeed || document.Session != work.Session)
        {
            return $"node {nodeId} returned a session for another attempt to '{message.WorkId}' (session {document.Session}, seed {document.MetaSeed:x16})";
        }

        if (ClusterSecret.TreeHash(session.Files) != document.ChildTreeHash)
        {
            return $"node {nodeId} returned a child tree for '{message.WorkId}' that does not match its hash";
        }

        result = session;
        return _assigned.TryRemove(new KeyValuePair<string, string>(message.WorkId, nodeId)) ? null : $"node {nodeId} returned work '{message.WorkId}' again";
    }

    /// <summary>Runs pieces of work on the nodes with free slots, as many to a node in one call as it has free slots,
    /// until each has a result that passes <paramref name="check"/>. A node lost mid-call, or whose call fails, or that
    /// returns anything that fails a check (one refused result refuses the node's whole batch), is excluded, and the
    /// same work (the same seeds) goes to other nodes.</summary>
    /// <returns>The results in the order of <paramref name="items"/>.</returns>
    private async Task<TResult[]> DispatchAsync<TItem, TOutcome, TResult>(IReadOnlyList<TItem> items, Func<TItem, string> idOf,
        Func<string, IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TOutcome>>> call,
        Func<string, TItem, TOutcome, (string? Refusal, TResult? Result)> check, CancellationToken ct)
    {
        var results = new TResult[items.Count];
        await DispatchAsync(items.Select((item, i) => (item, i)).ToList(), idOf, call, check, results, ct).ConfigureAwait(false);
        return results;
    }

    private async Task DispatchAsync<TItem, TOutcome, TResult>(List<(TItem Item, int Index)> items, Func<TItem, string> idOf,
        Func<string, IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TOutcome>>> call,
        Func<string, TItem, TOutcome, (string? Refusal, TResult? Result)> check, TResult[] results, CancellationToken ct)
    {
        var batches = new List<Task>();
        for (var next = 0; next < items.Count;)
        {
            var (node, taken) = await AcquireAsync(items.Count - next, ct).ConfigureAwait(false);
            batches.Add(RunBatchAsync(node, items.GetRange(next, taken), idOf, call, check, results, ct));
            next += taken;
        }

        await Task.WhenAll(batches).ConfigureAwait(false);
    }

    private async Task RunBatchAsync<TItem, TOutcome, TResult>(Node node, List<(TItem Item, int Index)> batch, Func<TItem, string> idOf,
        Func<string, IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TOutcome>>> call,
        Func<string, TItem, TOutcome, (string? Refusal, TResult? Result)> check, TResult[] results, CancellationToken ct)
    {
        await Task.Yield();
        var ids = batch.Select(b => idOf(b.Item)).ToList();
        foreach (var id in ids)
        {
            _assigned[id] = node.Id;
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, node.Gone.Token);
            var outcomes = await call(node.Id, [.. batch.Select(b => b.Item)], linked.Token).ConfigureAwait(false);
            if (outcomes.Count != batch.Count)
            {
                Exclude(node.Id, "refused", $"node {node.Id} answered {batch.Count} pieces of work ('{ids[0]}', …) with {outcomes.Count} results");
            }
            else
            {
                var accepted = new TResult[batch.Count];
                string? refusal = null;
                for (var i = 0; i < batch.Count && refusal is null; i++)
                {
                    (refusal, var result) = check(node.Id, batch[i].Item, outcomes[i]);
                    accepted[i] = result!;
                }

                if (refusal is null)
                {
                    for (var i = 0; i < batch.Count; i++)
                    {
                        results[batch[i].Index] = accepted[i];
                    }

                    lock (_gate)
                    {
                        node.Completed += batch.Count;
                        var now = DateTime.UtcNow;
                        for (var i = 0; i < batch.Count; i++)
                        {
                            node.Finished.Enqueue(now);
                        }

                        while (node.Finished.Count > 0 && node.Finished.Peek() < now.AddMinutes(-1))
                        {
                            node.Finished.Dequeue();
                        }
                    }

                    return;
                }

                Exclude(node.Id, "refused", refusal);
            }
        }
        catch (OperationCanceledException) when (node.Gone.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // Logged when the node was excluded.
        }
        catch (Exception ex) when (IsNodeLoss(ex) && !ct.IsCancellationRequested)
        {
            Exclude(node.Id, "lost", $"node {node.Id} failed during work '{ids[0]}'{(ids.Count > 1 ? $" and {ids.Count - 1} more" : "")} ({ex.GetType().Name}: {ex.Message}); dispatching it again with the same seeds");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The node refused the content or the work (another version, a damaged cache): not a node for this run.
            Exclude(node.Id, "refused", $"node {node.Id} could not run work '{ids[0]}'{(ids.Count > 1 ? $" and {ids.Count - 1} more" : "")} ({ex.GetType().Name}: {ex.Message}); dispatching it again");
        }
        finally
        {
            // Accepted, refused or lost: this node no longer holds the work (a refused or lost batch is assigned again).
            foreach (var id in ids)
            {
                _assigned.TryRemove(new KeyValuePair<string, string>(id, node.Id));
            }

            Release(node, batch.Count);
        }

        await DispatchAsync(batch, idOf, call, check, results, ct).ConfigureAwait(false);
    }

    /// <summary>How many pieces of work the dispatcher tracks now: only those in flight.</summary>
    internal int Tracked => _assigned.Count;

    private async Task<SessionOutcome> CallAsync(string nodeId, SessionMessage message, SessionWork work, CancellationToken ct)
    {
        var grain = _grains.GetGrain<INodeGrain>(nodeId);
        for (var round = 0; ; round++)
        {
            var outcome = await grain.ModifySelfAsync(message).WaitAsync(ct).ConfigureAwait(false);
            if (outcome.Missing is null || round >= 3)
            {
                return outcome;
            }

            var put = outcome.Missing switch
            {
                "agent" => grain.PutAgentAsync(work.MetaAgent.Id, work.MetaAgent.AssemblyName, work.MetaAgent.Image),
                "tree" => grain.PutTreeAsync(message.TreeHash, new Dictionary<string, string>(work.ParentFiles, StringComparer.Ordinal)),
                _ => grain.PutDomainAsync(_domain),
            };
            await put.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<DrawOutcome>> CallAsync(string nodeId, DrawBatch batch, CompiledAgent agent, CancellationToken ct)
    {
        var grain = _grains.GetGrain<INodeGrain>(nodeId);
        for (var round = 0; ; round++)
        {
            var outcome = await grain.EvaluateAsync(batch).WaitAsync(ct).ConfigureAwait(false);
            if (outcome.Missing is null || round >= 2)
            {
                return outcome.Outcomes;
            }

            if (outcome.Missing == "agent")
            {
                await grain.PutAgentAsync(agent.Id, agent.AssemblyName, agent.Image).WaitAsync(ct).ConfigureAwait(false);
            }
            else
            {
                await grain.PutDomainAsync(_domain).WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private async Task EnrolAsync(string name)
    {
        var nonce = RandomNumberGenerator.GetBytes(32);
        NodeInfo info;
        try
        {
            info = await _grains.GetGrain<INodeGrain>(name).HelloAsync(nonce).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsNodeLoss(ex) || ex is TimeoutException)
        {
            _logger.LogInformation("Member {Node} did not answer as a node yet ({Error})", name, ex.Message);
            return;
        }

        if (info.NodeId != name || !_secret.Verify(info.Proof, "hello", name, Convert.ToHexStringLower(nonce)))
        {
            Exclude(name, "refused", $"node {name} refused: it does not prove the cluster secret (set the same {ClusterSecret.Variable} on every node)");
            return;
        }

        lock (_gate)
        {
            _nodes[name] = new Node(name, Math.Max(1, info.Slots));
            Signal();
        }

        _logger.LogInformation("Node {Node} joined with {Slots} slots ({Isolation})", name, info.Slots, info.Isolation);
    }

    /// <summary>Takes free slots of the node with the most free slots (waiting for one): an even share of
    /// <paramref name="wanted"/> over the nodes with free slots, so an evaluation's draws spread over the cluster rather
    /// than fill one node, in one message per node.</summary>
    private async Task<(Node Node, int Taken)> AcquireAsync(int wanted, CancellationToken ct)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var open = _nodes.Values.Where(n => n.InFlight < n.Slots).ToList();
                var free = open.OrderByDescending(n => n.Slots - n.InFlight).ThenBy(n => (double)n.InFlight / n.Slots).ThenBy(n => n.Id, StringComparer.Ordinal).FirstOrDefault();
                if (free is not null)
                {
                    var taken = Math.Min((wanted + open.Count - 1) / open.Count, free.Slots - free.InFlight);
                    free.InFlight += taken;
                    return (free, taken);
                }

                changed = _changed.Task;
            }

            // No free slot: wait for one to be released or a node to join (the watch enrols new ones).
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1), ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private void Release(Node node, int count)
    {
        lock (_gate)
        {
            node.InFlight -= count;
            Signal();
        }
    }

    private void Exclude(string nodeId, string state, string why)
    {
        Node? node;
        lock (_gate)
        {
            if (_excluded.ContainsKey(nodeId))
            {
                return;
            }

            _nodes.Remove(nodeId, out node);
            _excluded[nodeId] = state;
            Signal();
        }

        _refusals.Enqueue(why);
        _logger.LogWarning("{Why}", why);
        node?.Gone.Cancel();
    }

    private void Signal()
    {
        var old = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }

    private async Task WatchAsync(TimeSpan interval)
    {
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogDebug(ex, "Membership refresh failed; retrying");
            }

            try
            {
                await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Whether an exception says the node (or the way to it) is gone, as opposed to a fault of the work.</summary>
    private static bool IsNodeLoss(Exception ex) => ex is OrleansException or TimeoutException or System.Net.Sockets.SocketException or ObjectDisposedException;

    private sealed class Node(string id, int slots)
    {
        public string Id { get; } = id;

        public int Slots { get; } = slots;

        public int InFlight { get; set; }

        public long Completed { get; set; }

        public Queue<DateTime> Finished { get; } = new();

        /// <summary>Cancelled when the node is excluded: its calls in flight stop waiting.</summary>
        public CancellationTokenSource Gone { get; } = new();
    }
}
