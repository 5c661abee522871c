using System.Diagnostics;
using AssemblyInformationalVersionAttribute = System.Reflection.AssemblyInformationalVersionAttribute;
using CustomAttributeExtensions = System.Reflection.CustomAttributeExtensions;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Hyperagents.Hosting;
using Wasmtime;
using Module = Wasmtime.Module;

namespace Hyperagents.Sandbox;

/// <summary>One Wasmtime engine with the runtime pack's module compiled (or loaded from the verified cache), the host
/// implementation of its imports, and the epoch ticker. Share one per process; every call gets a fresh store.</summary>
/// <remarks>The configuration is fixed: Cranelift, fuel on, epoch interruption on, a 2 MiB wasm stack (larger values
/// make Wasmtime 50 panic natively), no WASI context at all (no preopens, no environment, nothing inherited).</remarks>
public sealed class SandboxEngine : IDisposable
{
    /// <summary>The wasm stack limit. Wasmtime 50 panics natively above 2 MiB.</summary>
    public const int MaxWasmStackBytes = 2 * 1024 * 1024;

    private static readonly string[] s_frameworkSeeds =
    [
        "System.Runtime", "System.Collections", "System.Collections.Immutable", "System.Linq", "System.Console", "System.Memory", "System.Text.Json",
        "System.Text.RegularExpressions", "System.Runtime.Extensions", "System.Threading", "System.Threading.Tasks",
        "System.Collections.Concurrent", "System.Runtime.Numerics", "System.Numerics.Vectors", "System.ObjectModel",
        "System.Runtime.InteropServices", "System.Net.Primitives", "System.Net.Sockets", "System.Threading.Thread",
        "System.Threading.ThreadPool", "System.Diagnostics.Process", "System.IO.FileSystem", "System.Net.Http", "System.Net.NameResolution",
    ];

    private readonly Thread _ticker;
    private volatile bool _disposed;

    private SandboxEngine(SandboxOptions options, Engine engine, Module module, Linker linker, CacheResult cache, string? cachePath,
        RuntimePackManifest manifest, IReadOnlyList<(string Name, byte[] Image)> bootAssemblies, string configDescription, byte[] wasm)
    {
        Options = options;
        Engine = engine;
        Module = module;
        Linker = linker;
        Cache = cache;
        CachePath = cachePath;
        Manifest = manifest;
        BootAssemblies = bootAssemblies;
        ConfigDescription = configDescription;
        _ticker = new Thread(Tick) { IsBackground = true, Name = "hyperagents-epoch" };
        _ticker.Start();
        if (options.BootFromImage)
        {
            try
            {
                var pristine = GuestVm.Pristine(this);
                using var vm = GuestVm.Boot(this, warm: true);
                Image = vm.Capture(pristine);
                SnapshotModule = LoadSnapshotModule(wasm, vm.CaptureMemory(), out var snapshotCache);
                SnapshotCache = snapshotCache;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Dispose();
                throw Unavailable("The sandbox failed its start-up boot", [$"{ex.GetType().Name}: {ex.Message}"],
                    "Fix: rebuild (dotnet build) so that Hyperagents.Guest, Hyperagents.Sdk and sandbox-runtime/ come from the same build, then run 'hyperagents doctor'.");
            }
        }
    }

    /// <summary>The runtime module with a booted VM's memory as its initial memory, or <see langword="null"/> when it could
    /// not be built (VMs are then restored by copying the boot image).</summary>
    internal Module? SnapshotModule { get; }

    /// <summary>What the module cache did for the snapshot module; <see langword="null"/> when there is none.</summary>
    public CacheResult? SnapshotCache { get; }

    /// <summary>How fresh VMs are made: <c>snapshot-module</c> (copy-on-write memory image), <c>image-copy</c> or <c>boot</c>.</summary>
    public string VmSource => SnapshotModule is not null ? "snapshot-module" : Image is not null ? "image-copy" : "boot";

    private Module? LoadSnapshotModule(byte[] wasm, byte[] memory, out CacheResult? cache)
    {
        cache = null;
        try
        {
            var bytes = SnapshotBuilder.Build(wasm, memory);
            var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var (module, result, _) = ModuleCache.Load(Engine, ConfigDescription + ";snapshot", bytes, sha, Options.CacheDirectory);
            var (imports, exports) = RuntimePackManifest.Describe(module);
            if (!imports.SequenceEqual(Manifest.Imports) || !exports.SequenceEqual(Manifest.Exports))
            {
                module.Dispose();
                return null;
            }

            cache = result;
            return module;
        }
        catch (Exception ex) when (ex is InvalidDataException or WasmtimeException or IOException)
        {
            return null;
        }
    }

    /// <summary>The boot image VMs are cloned from; <see langword="null"/> when <see cref="SandboxOptions.BootFromImage"/> is off.</summary>
    internal BootImage? Image { get; }

    /// <summary>The size of the boot image (the pages that differ from a fresh instance), or 0 without one.</summary>
    public long BootImageBytes => Image?.Data.LongLength ?? 0;

    /// <summary>A fresh VM: cloned from the boot image when there is one, else booted (and warmed up when asked).</summary>
    internal GuestVm NewVm(bool warm) => Image is { } image ? GuestVm.Restore(this, image) : GuestVm.Boot(this, warm);

    /// <summary>The options this engine was created with.</summary>
    public SandboxOptions Options { get; }

    /// <summary>The Wasmtime .NET package version, e.g. <c>50.0.1</c>.</summary>
    public static string WasmtimeVersion { get; } =
        CustomAttributeExtensions.GetCustomAttribute<AssemblyInformationalVersionAttribute>(typeof(Engine).Assembly)?.InformationalVersion.Split('+')[0]
        ?? typeof(Engine).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The pinned engine configuration, as it enters the cache key.</summary>
    public string ConfigDescription { get; }

    /// <summary>The options every VM's Mono runtime is started with (the jiterpreter off: it needs JavaScript).</summary>
    public static IReadOnlyList<string> RuntimeOptions => GuestVm.RuntimeOptions;

    /// <summary>The manifest the module was verified against.</summary>
    public RuntimePackManifest Manifest { get; }

    /// <summary>What the compiled-module cache did at start-up.</summary>
    public CacheResult Cache { get; }

    /// <summary>The cache entry used or written; <see langword="null"/> when caching is off.</summary>
    public string? CachePath { get; }

    /// <summary>How many assemblies every VM boots with (CoreLib, framework closure, SDK, bootstrap).</summary>
    public int BootAssemblyCount => BootAssemblies.Count;

    /// <summary>The simple names of the assemblies every VM boots with; agent code can load no other.</summary>
    public IEnumerable<string> BootAssemblyNames => BootAssemblies.Select(a => Path.GetFileNameWithoutExtension(a.Name));

    internal Engine Engine { get; }

    internal Module Module { get; }

    internal Linker Linker { get; }

    internal IReadOnlyList<(string Name, byte[] Image)> BootAssemblies { get; }

    /// <summary>Creates the engine: verifies the runtime pack against its manifest, then compiles or loads the module.</summary>
    /// <param name="options">The options; defaults when <see langword="null"/>.</param>
    /// <exception cref="SandboxUnavailableException">The pack is missing or differs from the manifest; the message lists each difference and the fix.</exception>
    public static SandboxEngine Create(SandboxOptions? options = null)
    {
        options ??= new SandboxOptions();
        if (options.EpochTick < TimeSpan.FromMilliseconds(1) || options.EpochTick > TimeSpan.FromSeconds(1) || options.PoolSize is < 0 or > 16)
        {
            throw new ArgumentException("SandboxOptions: EpochTick must be between 1 ms and 1 s and PoolSize between 0 and 16.", nameof(options));
        }

        var manifestPath = options.ManifestPath ?? Path.Combine(options.RuntimeDirectory, "runtime-pack.json");
        var problems = new List<string>();
        if (!File.Exists(manifestPath))
        {
            problems.Add($"the pinned manifest '{manifestPath}' does not exist");
        }

        var wasmPath = Path.Combine(options.RuntimeDirectory, "dotnet.native.wasm");
        if (!File.Exists(wasmPath))
        {
            problems.Add($"the runtime module '{wasmPath}' does not exist");
        }

        if (problems.Count > 0)
        {
            throw Unavailable("The sandbox runtime pack is missing", problems,
                "Fix: build the project that references Hyperagents.Sandbox (dotnet build); it restores Microsoft.NETCore.App.Runtime.Mono.browser-wasm and copies the pack into sandbox-runtime/.");
        }

        var manifest = RuntimePackManifest.Load(manifestPath);
        var wasm = File.ReadAllBytes(wasmPath);
        var sha = Convert.ToHexStringLower(SHA256.HashData(wasm));

        var stack = MaxWasmStackBytes;
        var config = new Config()
            .WithCompilerStrategy(CompilerStrategy.Cranelift)
            .WithOptimizationLevel(OptimizationLevel.Speed)
            .WithFuelConsumption(true)
            .WithEpochInterruption(true)
            .WithMaximumStackSize(stack)
            .WithWasmThreads(false)
            .WithDebugInfo(false);
        var configDescription = $"wasmtime={WasmtimeVersion};compiler=cranelift;opt=speed;fuel=on;epoch=on;stack={stack};threads=off;arch={RuntimeInformation.ProcessArchitecture};os={RuntimeInformation.OSDescription.Split(' ')[0]}";
        var engine = new Engine(config);
        try
        {
            // Compile once uncached just to read imports when the cache entry is stale would waste 1.5 s; the cache
            // key includes the module hash, so a cached module always has the verified module's imports.
            var (module, cache, cachePath) = ModuleCache.Load(engine, configDescription, wasm, sha, options.CacheDirectory);
            var differences = manifest.Compare(module, sha);
            if (differences.Count > 0)
            {
                module.Dispose();
                throw Unavailable($"The sandbox runtime module '{wasmPath}' does not match its pinned manifest '{manifestPath}' ({manifest.Package} {manifest.Version})", differences,
                    $"Fix: restore exactly {manifest.Package} {manifest.Version} (dotnet restore, then rebuild). If the pack was upgraded on purpose, review the host imports in GuestImports.cs against the new list, then regenerate the manifest.");
            }

            var linker = GuestImports.CreateLinker(engine, module);
            var bootAssemblies = LoadBootAssemblies(options.RuntimeDirectory);
            return new SandboxEngine(options, engine, module, linker, cache, cachePath, manifest, bootAssemblies, configDescription, wasm);
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>Boots one fresh VM, runs nothing in it and discards it.</summary>
    /// <returns>The boot time.</returns>
    public TimeSpan Probe()
    {
        var watch = Stopwatch.StartNew();
        using var vm = NewVm(warm: false);
        return watch.Elapsed;
    }

    /// <summary>A start-up self-test: boots a fresh VM and runs the bootstrap's built-in probe agent in it (SDK, JSON,
    /// LINQ and one host call), then discards the VM.</summary>
    /// <returns>The boot time and the probe run's outcome; the outcome is completed when the sandbox works.</returns>
    public (TimeSpan Boot, AgentOutcome Run) SelfTest()
    {
        var watch = Stopwatch.StartNew();
        using var vm = NewVm(warm: false);
        var boot = watch.Elapsed;
        return (boot, vm.RunWarmup());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ticker.Join();
        Linker.Dispose();
        SnapshotModule?.Dispose();
        Module.Dispose();
        Engine.Dispose();
    }

    private void Tick()
    {
        while (!_disposed)
        {
            Thread.Sleep(Options.EpochTick);
            Engine.IncrementEpoch();
        }
    }

    private static SandboxUnavailableException Unavailable(string headline, IReadOnlyList<string> problems, string fix) =>
        new($"{headline}:{Environment.NewLine}{string.Join(Environment.NewLine, problems.Select(p => "  - " + p))}{Environment.NewLine}{fix}", problems);

    private static IReadOnlyList<(string Name, byte[] Image)> LoadBootAssemblies(string runtimeDirectory)
    {
        var available = Directory.EnumerateFiles(runtimeDirectory, "*.dll")
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase);
        foreach (var own in new[] { "Hyperagents.Sdk", "Hyperagents.Guest" })
        {
            var path = Path.Combine(AppContext.BaseDirectory, own + ".dll");
            if (!File.Exists(path))
            {
                path = Path.Combine(Path.GetDirectoryName(typeof(SandboxEngine).Assembly.Location)!, own + ".dll");
            }

            if (!File.Exists(path))
            {
                throw Unavailable("The sandbox bootstrap is missing", [$"'{own}.dll' is not next to Hyperagents.Sandbox.dll"],
                    "Fix: rebuild; Hyperagents.Sandbox references Hyperagents.Guest and copies it to the output.");
            }

            available[own] = path;
        }

        var ordered = new List<(string, byte[])>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<string>(new[] { "System.Private.CoreLib", "Hyperagents.Sdk", "Hyperagents.Guest" }.Concat(s_frameworkSeeds));
        while (queue.Count > 0)
        {
            var name = queue.Dequeue();
            if (!seen.Add(name) || !available.TryGetValue(name, out var path))
            {
                continue;
            }

            var image = File.ReadAllBytes(path);
            ordered.Add((name + ".dll", image));
            using var pe = new PEReader(new MemoryStream(image));
            var reader = pe.GetMetadataReader();
            foreach (var handle in reader.AssemblyReferences)
            {
                queue.Enqueue(reader.GetString(reader.GetAssemblyReference(handle).Name));
            }
        }

        return ordered;
    }
}
