using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;

namespace Hyperagents.Cluster;

/// <summary>What a node runs draws with; the CLI composes it from the node's own flags and environment (its runner,
/// its model keys: nothing of it travels).</summary>
public sealed class NodeServices
{
    /// <summary>The cluster secret.</summary>
    public required ClusterSecret Secret { get; init; }

    /// <summary>Where agent code runs on this node.</summary>
    public required IAgentRunner Runner { get; init; }

    /// <summary>How many draws run at once.</summary>
    public required int Slots { get; init; }

    /// <summary>Opens a domain that arrived (a package's files are already checked against its hash); throws when
    /// it cannot.</summary>
    public required Func<DomainShipment, IDomain> OpenDomain { get; init; }

    /// <summary>The compiler of this node's sessions (their compiles and try-evaluations; the orchestrator compiles and
    /// gates every child again), or <see langword="null"/> for a node that runs draws only.</summary>
    public AgentCompiler? Compiler { get; init; }

    /// <summary>This node's model access (the meta sessions it runs and task-side chats), from this node's own
    /// environment and keys; <see cref="ModelAccess.None"/> runs the offline engine. A new one for every session and
    /// draw (sharing the node's clients and ledger): two sessions with the same id on this node — the same attempt sent
    /// again by a resumed orchestrator while the first still runs, or attempts of two runs — never share a chat, its
    /// transcript or its usage.</summary>
    public Func<IModelAccess> Models { get; init; } = static () => ModelAccess.None;

    /// <summary>Computes a domain's evaluator hash, which must equal the hash a built-in was shipped with.</summary>
    public Func<IDomain, string> EvaluatorHashOf { get; init; } = EvaluatorHash.For;

    /// <summary>Sees every batch of draws this node is asked to run (its size): tests count messages with it.</summary>
    internal Action<int>? Batched { get; init; }

    /// <summary>Changes a result before it is signed: tests make a node misbehave with it.</summary>
    internal Func<DrawOutcome, DrawOutcome>? Tamper { get; init; }

    /// <summary>Changes a session's result before it is signed: tests make a node misbehave with it.</summary>
    internal Func<SessionOutcome, SessionOutcome>? SessionTamper { get; init; }
}
