using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Hyperagents.Cluster;

/// <summary>The node grain: lives on the silo named by its key and hands every call to that silo's
/// <see cref="NodeWorker"/>. Reentrant: the worker's slots bound how many draws run at once.</summary>
[NodePlacement]
[Reentrant]
internal sealed class NodeGrain(NodeWorker worker, ILocalSiloDetails silo, NodeIdentity identity) : Grain, INodeGrain
{
    private string NodeId => silo.Name;

    public Task<NodeInfo> HelloAsync(byte[] nonce) => Task.FromResult(worker.Hello(CheckedId(), nonce, identity.Isolation));

    public Task<DrawBatchOutcome> EvaluateAsync(DrawBatch batch)
    {
        CheckedId();
        return worker.EvaluateAsync(NodeId, batch);
    }

    public Task<SessionOutcome> ModifySelfAsync(SessionMessage work)
    {
        CheckedId();
        return worker.ModifySelfAsync(NodeId, work);
    }

    public Task PutTreeAsync(string hash, Dictionary<string, string> files)
    {
        worker.PutTree(hash, files);
        return Task.CompletedTask;
    }

    public Task PutAgentAsync(string id, string assemblyName, byte[] image)
    {
        worker.PutAgent(id, assemblyName, image);
        return Task.CompletedTask;
    }

    public Task PutDomainAsync(DomainShipment domain)
    {
        worker.PutDomain(domain);
        return Task.CompletedTask;
    }

    /// <summary>The grain's key is the silo it was placed on; anything else is a placement fault, refused.</summary>
    private string CheckedId() => this.GetPrimaryKeyString() == NodeId
        ? NodeId
        : throw new InvalidOperationException($"Node grain '{this.GetPrimaryKeyString()}' activated on silo '{NodeId}'.");
}

/// <summary>What a node reports about itself besides load.</summary>
/// <param name="Isolation">Its isolation tier.</param>
internal sealed record NodeIdentity(string Isolation);
