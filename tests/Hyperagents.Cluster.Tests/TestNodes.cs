using System.Collections.Concurrent;
using System.Security.Cryptography;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Hyperagents.Cluster.Tests;

/// <summary>What each node of an in-process test cluster runs with, by silo name (Primary, Secondary_1, ...).</summary>
internal static class TestNodes
{
    public const string Secret = "test-cluster-secret-0123456789abcdef";

    public static readonly ClusterSecret ClusterSecret = new(Secret);

    /// <summary>One native runner for every test: worker processes start once.</summary>
    public static readonly IAgentRunner Native = new NativeRunner(NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")) with
    {
        PoolSize = 2,
        KillGrace = TimeSpan.FromSeconds(10),
        StartTimeout = TimeSpan.FromSeconds(60),
    });

    public static readonly AgentCompiler Compiler = new();

    /// <summary>Per silo name: the secret it holds, how it tampers, whether its draws hang (a node about to be killed).</summary>
    public static ConcurrentDictionary<string, NodeSetup> Setups { get; } = new(StringComparer.Ordinal);

    /// <summary>Draws each node ran, by silo name.</summary>
    public static ConcurrentDictionary<string, int> Ran { get; } = new(StringComparer.Ordinal);

    /// <summary>ModifySelf sessions each node ran, by silo name.</summary>
    public static ConcurrentDictionary<string, int> Sessions { get; } = new(StringComparer.Ordinal);

    /// <summary>The size of every batch of draws each node was sent, by silo name.</summary>
    public static ConcurrentDictionary<string, ConcurrentQueue<int>> Batches { get; } = new(StringComparer.Ordinal);

    public static void Reset()
    {
        Batches.Clear();
        Setups.Clear();
        Ran.Clear();
        Sessions.Clear();
    }

    public static NodeServices For(string silo)
    {
        var setup = Setups.GetValueOrDefault(silo) ?? new NodeSetup();
        return new NodeServices
        {
            Secret = setup.Secret ?? ClusterSecret,
            Runner = new ObservedRunner(silo, setup),
            Slots = setup.Slots,
            Compiler = Compiler,
            OpenDomain = shipment => TestDomains.Open(shipment.Name),
            Tamper = setup.Tamper,
            SessionTamper = setup.SessionTamper,
            Batched = size => Batches.GetOrAdd(silo, _ => new ConcurrentQueue<int>()).Enqueue(size),
            Models = setup.Models ?? (static () => ModelAccess.None),
        };
    }

    public static async Task<TestCluster> StartAsync(short silos)
    {
        var builder = new TestClusterBuilder(silos);
        builder.AddSiloBuilderConfigurator<SiloSetup>();
        builder.AddClientBuilderConfigurator<ClientSetup>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static DomainShipment Shipment(IDomain domain) =>
        new() { Key = $"builtin:{domain.Name}@{EvaluatorHash.For(domain)}", Name = domain.Name, Hash = EvaluatorHash.For(domain) };

    public static RunSettings Settings(int generations) => new()
    {
        Domain = "circle-packing",
        Generations = generations,
        Replicates = 1,
        Parallel = 1,
        TasksPerSplit = 2,
        Seed = 7,
        Isolation = "native",
        TaskLimits = new RunLimits { WallClock = TimeSpan.FromSeconds(60) },
        MetaLimits = new RunLimits { WallClock = TimeSpan.FromSeconds(120) },
    };

    public static Dictionary<string, string> SeedAgent() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "seeds", "default"), "*.cs", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "seeds", "default"), f).Replace('\\', '/'), File.ReadAllText);

    /// <summary>Runs a loop whose draws and sessions run on <paramref name="draws"/> (this process when null).</summary>
    public static async Task<ArchiveRun> RunAsync(string folder, RunSettings settings, IDrawExecutor? draws)
    {
        var archive = ArchiveRun.Create(Path.Combine(folder, "run"), new RunManifest("test", settings.Domain, "test"));
        var domain = new TaskLimitedDomain(TestDomains.Open(settings.Domain), settings.TasksPerSplit!.Value);
        var loop = new DgmhLoop(new RunServices
        {
            Archive = archive,
            Settings = settings,
            Domain = domain,
            Compiler = Compiler,
            Runner = Native,
            EvaluatorHash = EvaluatorHash.For(domain),
            Draws = draws,
            Attempts = draws as IAttemptExecutor,
        });
        await loop.RunAsync(SeedAgent(), CancellationToken.None);
        return archive;
    }

    /// <summary>The lineage as what it is made of: per variant, its attempt, its parent's attempt, its status, the hash
    /// of its files and its scores. Commit ids also hold times, so they are not compared.</summary>
    public static List<string> Lineage(ArchiveRun archive)
    {
        var variants = archive.ListVariants();
        var attemptOf = variants.ToDictionary(v => v.Id, v => archive.ReadProvenance(v.Id).Seeds?.GetValueOrDefault("attempt") ?? -1);
        return [.. variants.OrderBy(v => attemptOf[v.Id]).Select(v =>
        {
            var files = string.Join("\n", archive.GetFiles(v.Id).OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "\0" + f.Value));
            var scores = string.Join(",", v.Scores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value:R}"));
            var parent = v.Parent is null ? "-" : attemptOf[v.Parent].ToString(System.Globalization.CultureInfo.InvariantCulture);
            return $"{attemptOf[v.Id]}<{parent} {v.Status} {Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(files)))[..16]} {scores}";
        })];
    }

    private sealed class SiloSetup : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            NodeHost.ConfigureNode(siloBuilder, sp => For(sp.GetRequiredService<ILocalSiloDetails>().Name), "native");
    }

    /// <summary>A node's death must be noticed through membership, never by waiting for a response timeout.</summary>
    private sealed class ClientSetup : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromHours(1));
    }
}

/// <summary>How one test node behaves.</summary>
internal sealed record NodeSetup
{
    public ClusterSecret? Secret { get; init; }

    public Func<DrawOutcome, DrawOutcome>? Tamper { get; init; }

    public Func<SessionOutcome, SessionOutcome>? SessionTamper { get; init; }

    /// <summary>Its slots: the node with the most free slots gets work first.</summary>
    public int Slots { get; init; } = 2;

    /// <summary>When set, the node's draws never finish and the first one completes this.</summary>
    public TaskCompletionSource? Hang { get; init; }

    /// <summary>When set, the node's ModifySelf sessions never finish and the first one completes this.</summary>
    public TaskCompletionSource? HangSession { get; init; }

    /// <summary>The node's model access per session; none when not set.</summary>
    public Func<IModelAccess>? Models { get; init; }
}

/// <summary>The shared native runner, counting each node's draws and hanging them on a node set to hang.</summary>
internal sealed class ObservedRunner(string silo, NodeSetup setup) : IAgentRunner
{
    public string Name => TestNodes.Native.Name;

    public int Capacity => TestNodes.Native.Capacity;

    public async Task<AgentOutcome> SolveTaskAsync(CompiledAgent agent, TaskInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        if (setup.Hang is { } hang)
        {
            hang.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        TestNodes.Ran.AddOrUpdate(silo, 1, (_, n) => n + 1);
        return await TestNodes.Native.SolveTaskAsync(agent, invocation, host, limits, cancellationToken);
    }

    public async Task<AgentOutcome> ModifySelfAsync(CompiledAgent agent, MetaInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        if (setup.HangSession is { } hang)
        {
            hang.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        TestNodes.Sessions.AddOrUpdate(silo, 1, (_, n) => n + 1);
        return await TestNodes.Native.ModifySelfAsync(agent, invocation, host, limits, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
