using Orleans;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Hyperagents.Cluster;

/// <summary>Places a node grain on the silo whose name is the grain's key, and nowhere else: a call for a node that left
/// fails instead of starting the grain on another silo.</summary>
[Serializable, GenerateSerializer, Immutable]
internal sealed class NodePlacement : PlacementStrategy
{
    public static readonly NodePlacement Instance = new();
}

/// <summary>Marks a grain class for <see cref="NodePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class NodePlacementAttribute : PlacementAttribute
{
    public NodePlacementAttribute()
        : base(NodePlacement.Instance)
    {
    }
}

/// <summary>Finds the silo named by the grain key among the active compatible silos.</summary>
internal sealed class NodePlacementDirector(ISiloStatusOracle oracle) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var name = target.GrainIdentity.Key.ToString();
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (oracle.TryGetSiloName(silo, out var siloName) && siloName == name)
            {
                return Task.FromResult(silo);
            }
        }

        throw new OrleansException($"No active node is named '{name}'.");
    }
}
