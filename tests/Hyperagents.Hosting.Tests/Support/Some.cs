using Hyperagents.Transport;

namespace Hyperagents.Hosting.Tests.Support;

/// <summary>Test data and runner factories.</summary>
internal static class Some
{
    /// <summary>The hyperagents CLI built into the test output, started as <c>dotnet hyperagents.dll worker</c>. No spare
    /// workers unless a test asks for them, so that worker counts are deterministic.</summary>
    public static NativeRunnerOptions Options(int poolSize = 1) =>
        NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")) with
        {
            PoolSize = poolSize,
            SpareWorkers = 0,
            KillGrace = TimeSpan.FromSeconds(10),
            StartTimeout = TimeSpan.FromSeconds(60),
        };

    public static NativeRunner Runner(Func<NativeRunnerOptions, NativeRunnerOptions>? configure = null) =>
        new((configure ?? (o => o))(Options()));

    /// <summary>Generous limits for a 2-core machine running parallel builds.</summary>
    public static RunLimits Limits(double wallSeconds = 60) => new() { WallClock = TimeSpan.FromSeconds(wallSeconds) };

    public static TaskInvocation Task(string id = "t1", int n = 21) =>
        new(new TaskSpec("test", id, "A test task.", new Dictionary<string, string> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null), 42);

    public static MetaInvocation Meta() => new("modify any part of the codebase", 7, ModelAvailable: false, Domains: ["test"]);
}
