using System.Collections.Concurrent;
using System.Text.Json;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Transport;
using Microsoft.Extensions.Logging;

namespace Hyperagents.Cluster;

/// <summary>The node's side: the content caches (agents and domains by hash), the slots, and the draw runner. One per
/// silo.</summary>
internal sealed class NodeWorker(NodeServices services, ILogger<NodeWorker> logger)
{
    private readonly ConcurrentDictionary<string, CompiledAgent> _agents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IDomain> _domains = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _trees = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(Math.Max(1, services.Slots));
    private readonly ConcurrentQueue<DateTime> _finished = new();
    private int _busy;
    private long _completed;

    public NodeInfo Hello(string nodeId, byte[] nonce, string isolation)
    {
        var cutoff = DateTime.UtcNow.AddMinutes(-1);
        while (_finished.TryPeek(out var at) && at < cutoff)
        {
            _finished.TryDequeue(out _);
        }

        return new NodeInfo
        {
            NodeId = nodeId,
            Slots = Math.Max(1, services.Slots),
            Busy = Volatile.Read(ref _busy),
            Completed = Interlocked.Read(ref _completed),
            Isolation = isolation,
            LastMinute = _finished.Count,
            Proof = services.Secret.Sign("hello", nodeId, Convert.ToHexStringLower(nonce)),
        };
    }

    public void PutAgent(string id, string assemblyName, byte[] image)
    {
        if (ClusterSecret.Hash(image) != id)
        {
            throw new ArgumentException($"The agent image sent as {id[..Math.Min(12, id.Length)]} hashes otherwise; refused.");
        }

        _agents.TryAdd(id, new CompiledAgent(id, assemblyName, image));
    }

    public void PutTree(string hash, Dictionary<string, string> files)
    {
        if (ClusterSecret.TreeHash(files) != hash)
        {
            throw new ArgumentException($"The file tree sent as {hash[..Math.Min(12, hash.Length)]} hashes otherwise; refused.");
        }

        _trees.TryAdd(hash, new Dictionary<string, string>(files, StringComparer.Ordinal));
    }

    /// <summary>Runs one attempt's session with this node's runner, compiler and models (its own keys), and returns
    /// the child tree, transcript and model usage content-addressed and signed. It gates nothing: the orchestrator does.</summary>
    public async Task<SessionOutcome> ModifySelfAsync(string nodeId, SessionMessage message)
    {
        var compiler = services.Compiler ?? throw new InvalidOperationException("This node runs draws only (it has no compiler for sessions).");
        if (!_agents.TryGetValue(message.AgentId, out var agent))
        {
            return new SessionOutcome { WorkId = message.WorkId, NodeId = nodeId, Missing = "agent" };
        }

        if (!_domains.TryGetValue(message.DomainKey, out var domain))
        {
            return new SessionOutcome { WorkId = message.WorkId, NodeId = nodeId, Missing = "domain" };
        }

        if (!_trees.TryGetValue(message.TreeHash, out var parent))
        {
            return new SessionOutcome { WorkId = message.WorkId, NodeId = nodeId, Missing = "tree" };
        }

        var wire = JsonSerializer.Deserialize<SessionWire>(message.WorkJson, Wire.Json) ?? throw new ArgumentException("No session.");
        var work = wire.ToWork(parent, agent);
        var sessionDomain = work.TasksPerSplit is { } perSplit ? new TaskLimitedDomain(domain, perSplit) : domain;
        await _slots.WaitAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _busy);
        try
        {
            var result = await ModifySelfSessions.RunAsync(work, sessionDomain, compiler, services.Runner, services.Models(), CancellationToken.None).ConfigureAwait(false);
            var document = new SessionDocument(message.TreeHash, work.MetaSeed, work.Session, ClusterSecret.TreeHash(result.Files), result);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(document, Wire.Json);
            var outcome = new SessionOutcome { WorkId = message.WorkId, NodeId = nodeId, Result = bytes, ResultHash = ClusterSecret.Hash(bytes) };
            outcome = services.SessionTamper?.Invoke(outcome) ?? outcome;
            Interlocked.Increment(ref _completed);
            return outcome with { Mac = services.Secret.Sign("session", outcome.WorkId, outcome.NodeId, outcome.ResultHash) };
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Session {Work} failed on this node", message.WorkId);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
            _slots.Release();
        }
    }

    public void PutDomain(DomainShipment shipment)
    {
        if (_domains.ContainsKey(shipment.Key))
        {
            return;
        }

        var domain = services.OpenDomain(shipment);
        var hash = services.EvaluatorHashOf(domain);
        if (hash != shipment.Hash)
        {
            (domain as IDisposable)?.Dispose();
            throw new ArgumentException($"The domain '{shipment.Name}' opens here with evaluator hash {hash}, not the orchestrator's {shipment.Hash}: install the same hyperagents version on every node.");
        }

        if (!_domains.TryAdd(shipment.Key, domain))
        {
            (domain as IDisposable)?.Dispose();
        }
    }

    /// <summary>Runs a batch's draws at once, each in a slot of its own, and returns their outcomes in the batch's order,
    /// each hashed and signed.</summary>
    public async Task<DrawBatchOutcome> EvaluateAsync(string nodeId, DrawBatch batch)
    {
        if (!_agents.TryGetValue(batch.AgentId, out var agent))
        {
            return new DrawBatchOutcome { Missing = "agent" };
        }

        if (!_domains.TryGetValue(batch.DomainKey, out var domain))
        {
            return new DrawBatchOutcome { Missing = "domain" };
        }

        services.Batched?.Invoke(batch.Draws.Length);
        var limits = (JsonSerializer.Deserialize<RunLimits>(batch.LimitsJson, Wire.Json) ?? throw new ArgumentException("No limits.")).Validate();
        var tasks = batch.Draws.Select(d => domain.FindTask(d.TaskId)?.Task ?? throw new ArgumentException($"The domain has no task '{d.TaskId}'.")).ToList();
        var outcomes = await Task.WhenAll(batch.Draws.Select((d, i) => EvaluateOneAsync(nodeId, domain, limits, agent, tasks[i], d))).ConfigureAwait(false);
        return new DrawBatchOutcome { Outcomes = outcomes };
    }

    private async Task<DrawOutcome> EvaluateOneAsync(string nodeId, IDomain domain, RunLimits limits, CompiledAgent agent, TaskSpec task, DrawWork work)
    {
        await _slots.WaitAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _busy);
        try
        {
            // A model access of its own per draw: two draws never share a chat (or its usage).
            var evaluator = new TaskEvaluator(domain, services.Runner, services.Models(), limits, 1);
            var result = await evaluator.EvaluateOneAsync(agent, task, work.Seed, CancellationToken.None).ConfigureAwait(false) with { Replicate = work.Replicate };
            var bytes = Wire.Encode(result);
            var outcome = new DrawOutcome { WorkId = work.WorkId, NodeId = nodeId, Result = bytes, ResultHash = ClusterSecret.Hash(bytes) };
            outcome = services.Tamper?.Invoke(outcome) ?? outcome;
            Interlocked.Increment(ref _completed);
            _finished.Enqueue(DateTime.UtcNow);
            return outcome with { Mac = services.Secret.Sign("result", outcome.WorkId, outcome.NodeId, outcome.ResultHash) };
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Draw {Work} failed on this node", work.WorkId);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
            _slots.Release();
        }
    }
}

/// <summary>A session as it travels: <see cref="SessionWork"/> without the parent's files and the meta agent's image,
/// which travel by hash.</summary>
internal sealed record SessionWire(int Attempt, string ParentId, string MetaAgentId, string MetaAgentName, ulong MetaSeed, string Session, int? MetaArm,
    IReadOnlyList<LineageEntry> Lineage, string Instruction, RunLimits MetaLimits, RunLimits TaskLimits, int MaxTryEvaluations, TimeSpan CompileTimeout, int? TasksPerSplit,
    ModelBudget? Budget = null)
{
    public static SessionWire Of(SessionWork w) => new(w.Attempt, w.ParentId, w.MetaAgent.Id, w.MetaAgent.AssemblyName, w.MetaSeed, w.Session, w.MetaArm,
        w.Lineage, w.Instruction, w.MetaLimits, w.TaskLimits, w.MaxTryEvaluations, w.CompileTimeout, w.TasksPerSplit, w.Budget);

    public SessionWork ToWork(IReadOnlyDictionary<string, string> parentFiles, CompiledAgent agent) => agent.Id != MetaAgentId
        ? throw new ArgumentException("The meta agent does not match the session.")
        : new()
        {
            Attempt = Attempt,
            ParentId = ParentId,
            ParentFiles = parentFiles,
            MetaAgent = agent,
            MetaSeed = MetaSeed,
            Session = Session,
            MetaArm = MetaArm,
            Lineage = Lineage,
            Instruction = Instruction,
            MetaLimits = MetaLimits.Validate(),
            TaskLimits = TaskLimits.Validate(),
            MaxTryEvaluations = MaxTryEvaluations,
            CompileTimeout = CompileTimeout,
            TasksPerSplit = TasksPerSplit,
            Budget = Budget,
        };
}

/// <summary>What a node returns for a session, whose bytes the result hash covers: the parent tree, seed and session
/// it answers (so a result for another attempt is refused), the child tree's hash, and the result.</summary>
internal sealed record SessionDocument(string ParentTreeHash, ulong MetaSeed, string Session, string ChildTreeHash, SessionResult Result);

/// <summary>How results travel: a <see cref="TaskResult"/> as JSON, whose bytes are what the hash covers.</summary>
internal static class Wire
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static byte[] Encode(TaskResult result) => JsonSerializer.SerializeToUtf8Bytes(result, Json);

    public static TaskResult Decode(byte[] bytes) => JsonSerializer.Deserialize<TaskResult>(bytes, Json) ?? throw new JsonException("empty result");
}
