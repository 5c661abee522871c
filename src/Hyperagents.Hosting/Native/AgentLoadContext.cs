using System.Reflection;
using System.Runtime.Loader;

namespace Hyperagents.Hosting.Native;

/// <summary>The load context of the one agent call a worker runs. The SDK resolves to the default context's copy, so agent
/// code and the worker share <c>TaskContext</c> and friends; everything else falls back to the default context.</summary>
/// <remarks>Not a security boundary: it only keeps the agent's assembly name apart from the worker's own assemblies.
/// It is not collectible: the worker process ends after the call, which frees more than an unload could.</remarks>
internal sealed class AgentLoadContext(string name) : AssemblyLoadContext(name, isCollectible: false)
{
    private static readonly Assembly Sdk = typeof(TaskContext).Assembly;

    protected override Assembly? Load(AssemblyName assemblyName) =>
        string.Equals(assemblyName.Name, Sdk.GetName().Name, StringComparison.Ordinal) ? Sdk : null;
}
