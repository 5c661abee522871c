using System.Reflection;
using System.Runtime.Loader;

namespace Hyperagents.Hosting.Native;

/// <summary>A collectible load context for one agent call. The SDK resolves to the default context's copy, so agent
/// code and the worker share <c>TaskContext</c> and friends; everything else falls back to the default context.</summary>
/// <remarks>Not a security boundary: it only makes the agent's types collectible after the call.</remarks>
internal sealed class AgentLoadContext(string name) : AssemblyLoadContext(name, isCollectible: true)
{
    private static readonly Assembly Sdk = typeof(TaskContext).Assembly;

    protected override Assembly? Load(AssemblyName assemblyName) =>
        string.Equals(assemblyName.Name, Sdk.GetName().Name, StringComparison.Ordinal) ? Sdk : null;
}
