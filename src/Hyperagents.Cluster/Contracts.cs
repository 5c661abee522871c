using Orleans;

namespace Hyperagents.Cluster;

/// <summary>The draws of one evaluation a node runs at once, in one message: the agent and the domain by content hash,
/// the limits of every call, and each draw (task by id, the seed the orchestrator derived: a node never draws a seed of
/// its own). The orchestrator sends a node at most as many draws as it has free slots.</summary>
[GenerateSerializer, Immutable]
public sealed record DrawBatch
{
    /// <summary>The compiled agent's content hash (<c>CompiledAgent.Id</c>).</summary>
    [Id(0)] public required string AgentId { get; init; }

    /// <summary>The domain's key (<see cref="DomainShipment.Key"/>).</summary>
    [Id(1)] public required string DomainKey { get; init; }

    /// <summary>The limits of each call (<c>RunLimits</c> as JSON).</summary>
    [Id(2)] public required string LimitsJson { get; init; }

    /// <summary>The draws.</summary>
    [Id(3)] public required DrawWork[] Draws { get; init; }
}

/// <summary>One draw of a <see cref="DrawBatch"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record DrawWork
{
    /// <summary>The dispatch's identity, unique in the orchestrator's process; a result must name it.</summary>
    [Id(0)] public required string WorkId { get; init; }

    /// <summary>The task id.</summary>
    [Id(1)] public required string TaskId { get; init; }

    /// <summary>The replicate index.</summary>
    [Id(2)] public required int Replicate { get; init; }

    /// <summary>The task seed.</summary>
    [Id(3)] public required ulong Seed { get; init; }
}

/// <summary>What a node answers for a <see cref="DrawBatch"/>: one outcome per draw, in the batch's order; or what it
/// lacks to run any of them.</summary>
[GenerateSerializer, Immutable]
public sealed record DrawBatchOutcome
{
    /// <summary>The outcomes, one per draw, each hashed and signed on its own.</summary>
    [Id(0)] public DrawOutcome[] Outcomes { get; init; } = [];

    /// <summary><c>agent</c> or <c>domain</c> when the node does not hold that content yet; the orchestrator sends it.</summary>
    [Id(1)] public string? Missing { get; init; }
}

/// <summary>What a node answers for a <see cref="DrawWork"/>: the result (a <c>TaskResult</c> as JSON), its SHA-256,
/// and an HMAC of work id, node id and hash under the cluster secret.</summary>
[GenerateSerializer, Immutable]
public sealed record DrawOutcome
{
    /// <summary>The work the node says this answers.</summary>
    [Id(0)] public required string WorkId { get; init; }

    /// <summary>The node that ran it.</summary>
    [Id(1)] public required string NodeId { get; init; }

    /// <summary>The result document.</summary>
    [Id(2)] public byte[] Result { get; init; } = [];

    /// <summary>The lower-case hex SHA-256 of <see cref="Result"/>.</summary>
    [Id(3)] public string ResultHash { get; init; } = "";

    /// <summary>HMAC-SHA256 of work id, node id and result hash under the cluster secret.</summary>
    [Id(4)] public byte[] Mac { get; init; } = [];
}

/// <summary>One attempt's <c>ModifySelf</c> session sent to a node: the meta agent, the parent's tree and the domain by
/// content hash, the rest (seed, lineage, settings: <c>SessionWork</c> without the files) as JSON. No model key.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionMessage
{
    /// <summary>The dispatch's identity; a result must name it.</summary>
    [Id(0)] public required string WorkId { get; init; }

    /// <summary>The meta agent's content hash.</summary>
    [Id(1)] public required string AgentId { get; init; }

    /// <summary>The domain's key.</summary>
    [Id(2)] public required string DomainKey { get; init; }

    /// <summary>The parent tree's hash (<see cref="ClusterSecret.TreeHash"/>).</summary>
    [Id(3)] public required string TreeHash { get; init; }

    /// <summary>The session (<c>SessionWork</c> as JSON, with no files).</summary>
    [Id(4)] public required string WorkJson { get; init; }
}

/// <summary>What a node answers for a <see cref="SessionMessage"/>: the session's result as JSON (child tree and its
/// hash, transcript, model usage, and the parent tree, seed and session it answers), its SHA-256 and an HMAC; or what
/// it lacks.</summary>
[GenerateSerializer, Immutable]
public sealed record SessionOutcome
{
    /// <summary>The work the node says this answers.</summary>
    [Id(0)] public required string WorkId { get; init; }

    /// <summary>The node that ran it.</summary>
    [Id(1)] public required string NodeId { get; init; }

    /// <summary>The result document, or empty when <see cref="Missing"/> is set.</summary>
    [Id(2)] public byte[] Result { get; init; } = [];

    /// <summary>The lower-case hex SHA-256 of <see cref="Result"/>.</summary>
    [Id(3)] public string ResultHash { get; init; } = "";

    /// <summary>HMAC-SHA256 of <c>session</c>, work id, node id and result hash under the cluster secret.</summary>
    [Id(4)] public byte[] Mac { get; init; } = [];

    /// <summary><c>agent</c>, <c>domain</c> or <c>tree</c> when the node does not hold that content yet.</summary>
    [Id(5)] public string? Missing { get; init; }
}

/// <summary>A node's answer to the orchestrator's challenge, with its capacity and load.</summary>
[GenerateSerializer, Immutable]
public sealed record NodeInfo
{
    /// <summary>The node id (its silo name).</summary>
    [Id(0)] public required string NodeId { get; init; }

    /// <summary>How many draws it runs at once.</summary>
    [Id(1)] public required int Slots { get; init; }

    /// <summary>How many are running now.</summary>
    [Id(2)] public required int Busy { get; init; }

    /// <summary>How many it has finished since it started.</summary>
    [Id(3)] public required long Completed { get; init; }

    /// <summary>Its isolation tier.</summary>
    [Id(4)] public required string Isolation { get; init; }

    /// <summary>Draws finished in the last minute.</summary>
    [Id(5)] public required int LastMinute { get; init; }

    /// <summary>HMAC-SHA256 of <c>hello</c>, the node id and the orchestrator's nonce under the cluster secret.</summary>
    [Id(6)] public required byte[] Proof { get; init; }
}

/// <summary>A domain as it travels to nodes: a package's files (checked against its hash on arrival), or the name of a
/// built-in the node makes itself and whose evaluator hash it must reproduce.</summary>
[GenerateSerializer, Immutable]
public sealed record DomainShipment
{
    /// <summary>The cache key: <c>package:&lt;hash&gt;</c> or <c>builtin:&lt;name&gt;@&lt;evaluator hash&gt;</c>.</summary>
    [Id(0)] public required string Key { get; init; }

    /// <summary>The built-in's name, or the package's.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>The package's files, or <see langword="null"/> for a built-in.</summary>
    [Id(2)] public Dictionary<string, byte[]>? PackageFiles { get; init; }

    /// <summary>The package hash or the built-in's evaluator hash, which the node checks what it opened against.</summary>
    [Id(3)] public required string Hash { get; init; }
}

/// <summary>A worker node: one per silo, placed on the silo whose name is its key (role-based placement), so a call
/// for a node that left fails instead of starting the grain elsewhere.</summary>
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Proves the node holds the cluster secret and reports its capacity and load.</summary>
    /// <param name="nonce">The orchestrator's fresh challenge.</param>
    Task<NodeInfo> HelloAsync(byte[] nonce);

    /// <summary>Runs and scores a batch of draws at once (at most this node's free slots).</summary>
    /// <param name="batch">The draws.</param>
    Task<DrawBatchOutcome> EvaluateAsync(DrawBatch batch);

    /// <summary>Runs one attempt's <c>ModifySelf</c> session with this node's runner and model configuration.</summary>
    /// <param name="work">The session.</param>
    Task<SessionOutcome> ModifySelfAsync(SessionMessage work);

    /// <summary>Caches a file tree (a parent's files), checked against its hash.</summary>
    /// <param name="hash">The tree's hash.</param>
    /// <param name="files">Its files.</param>
    Task PutTreeAsync(string hash, Dictionary<string, string> files);

    /// <summary>Caches a compiled agent, checked against its content hash.</summary>
    /// <param name="id">The agent's content hash.</param>
    /// <param name="assemblyName">Its assembly name.</param>
    /// <param name="image">Its IL image.</param>
    Task PutAgentAsync(string id, string assemblyName, byte[] image);

    /// <summary>Caches a domain, checked against its hash.</summary>
    /// <param name="domain">The domain.</param>
    Task PutDomainAsync(DomainShipment domain);
}
