namespace Hyperagents.Sandbox;

/// <summary>Options of a <see cref="SandboxEngine"/>. Defaults suit the CLI; tests override the folders.</summary>
public sealed record SandboxOptions
{
    /// <summary>The folder holding <c>dotnet.native.wasm</c>, <c>System.Private.CoreLib.dll</c>, the framework
    /// assemblies and <c>runtime-pack.json</c>, as the build copies them.</summary>
    /// <value>Default <c>sandbox-runtime/</c> next to this assembly.</value>
    public string RuntimeDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "sandbox-runtime");

    /// <summary>The pinned manifest the module must match.</summary>
    /// <value>Default <c>runtime-pack.json</c> in <see cref="RuntimeDirectory"/>.</value>
    public string? ManifestPath { get; init; }

    /// <summary>The host-owned folder of compiled modules; <see langword="null"/> compiles in memory every start.</summary>
    /// <value>Default <see cref="DefaultCacheDirectory"/>.</value>
    public string? CacheDirectory { get; init; } = DefaultCacheDirectory;

    /// <summary>The epoch ticker period: the granularity of wall-clock deadlines.</summary>
    /// <value>Default 10 ms; between 1 ms and 1 s.</value>
    public TimeSpan EpochTick { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>How many pre-booted, pre-warmed VMs to keep ready; 0 boots a VM per call.</summary>
    /// <value>Default 1; between 0 and 16. Each ready VM holds its linear memory (about 60 MiB).</value>
    public int PoolSize { get; init; } = 1;

    /// <summary>Whether VMs are cloned from a boot image: one VM is booted and warmed up when the engine starts, its
    /// linear memory is captured, and every later VM is a fresh instance with that memory copied in (no code runs to
    /// create it). When off, every VM boots Mono from scratch.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool BootFromImage { get; init; } = true;

    /// <summary>How much memory the sandbox's calls may hold at once, all VMs together.</summary>
    /// <value>Default <see langword="null"/>: the memory available to this process (<see cref="GC.GetGCMemoryInfo()"/>).</value>
    public long? MemoryBudgetBytes { get; init; }

    /// <summary>How many calls the sandbox runs at once (<see cref="Hyperagents.Hosting.IAgentRunner.Capacity"/>): one per
    /// processor core, since guest code is CPU-bound, and no more than the memory budget holds VMs at the default memory
    /// cap (<see cref="Hyperagents.Hosting.RunLimits.MemoryBytes"/>); at least 1.</summary>
    public int Capacity
    {
        get
        {
            var budget = MemoryBudgetBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            var byMemory = budget / new Hyperagents.Hosting.RunLimits().MemoryBytes;
            return (int)Math.Max(1, Math.Min(Environment.ProcessorCount, byMemory));
        }
    }

    /// <summary><c>$XDG_CACHE_HOME/hyperagents/cwasm</c>, else <c>~/.cache/hyperagents/cwasm</c>.</summary>
    public static string DefaultCacheDirectory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(root, "hyperagents", "cwasm");
        }
    }
}

/// <summary>The sandbox cannot be used: the runtime pack is missing or differs from its pinned manifest, or the
/// engine failed to start. The message names each problem and the fix.</summary>
public sealed class SandboxUnavailableException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="problems">Each problem found, one per entry.</param>
    public SandboxUnavailableException(string message, IReadOnlyList<string> problems)
        : base(message)
    {
        Problems = problems;
    }

    /// <summary>Each problem found, one per entry (e.g. every import that differs from the manifest).</summary>
    public IReadOnlyList<string> Problems { get; }
}
