using Hyperagents.Hosting;
using Hyperagents.Transport;

namespace Hyperagents.Sandbox.Tests.Support;

/// <summary>Test data.</summary>
public static class Some
{
    public static TaskInvocation Task(int n = 21, ulong seed = 7) =>
        new(new TaskSpec("test", "t" + n, "a test task", new Dictionary<string, string> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null), seed);

    public static MetaInvocation Meta(ulong seed = 7) => new("modify any part of the codebase", seed, ModelAvailable: false, Domains: ["test"]);

    public static RunLimits Limits(TimeSpan? wall = null, long? fuel = null, long? memory = null) => new()
    {
        WallClock = wall ?? TimeSpan.FromSeconds(10),
        Fuel = fuel ?? 20_000_000_000,
        MemoryBytes = memory ?? 256L * 1024 * 1024,
        MaxOutputBytes = 4096,
    };
}
