using System.Diagnostics;
using System.Globalization;
using System.Text;
using Hyperagents.Bench.Domains;
using Hyperagents.Cluster;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Transport;

namespace Hyperagents.Bench.Cluster;

/// <summary>Orchestrator overhead per attempt: nodes in processes of their own (so this process's CPU is the
/// orchestrator's alone) whose sessions and draws do no work; per attempt the orchestrator dispatches one
/// <c>ModifySelf</c> session and the draws of a default circle-packing attempt, checks every result (hashes, HMACs,
/// the child tree) and accepts it. Compiling and gating the child and writing the archive are not in it: they are the
/// same on one machine (the <c>loop</c> benchmark measures them).</summary>
public sealed class ClusterOverheadBenchmark : IBenchmark
{
    public string Name => "cluster-overhead";

    public string Description => "orchestrator CPU per attempt with 2 node processes doing no work: session + draws dispatched and checked (target ≤ 5 ms)";

    public async Task<int> RunAsync(string[] args)
    {
        var attempts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var nodeCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        await using var nodes = await NodeProcesses.StartAsync(nodeCount, "simulated");
        var domain = BenchDomains.Open("circle-packing");
        await using var session = await nodes.ConnectAsync(domain, nodeCount);
        using var compiler = new AgentCompiler();
        var seed = AgentSource.FromDirectory(NodeProcesses.SeedFolder());
        var agent = compiler.Compile(seed).Agent ?? throw new InvalidOperationException("The default seed does not compile.");
        var train = domain.GetTasks(Split.Train);
        var val = domain.GetTasks(Split.Val);

        // A default circle-packing attempt: 1 staged draw, then train + val with 3 replicates each.
        var drawsPerAttempt = 1 + 3 * (train.Count + val.Count);
        var all = train.Concat(val).ToList();
        Task RunAttemptAsync(int attempt) => AttemptAsync(session.Dispatcher, agent, seed, all, drawsPerAttempt, attempt);

        for (var warm = 0; warm < 10; warm++)
        {
            await RunAttemptAsync(-1 - warm);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var a = 0; a < attempts; a++)
        {
            await RunAttemptAsync(a);
        }

        var wall = clock.Elapsed.TotalMilliseconds / attempts;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / attempts;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{attempts} attempts (1 session + {drawsPerAttempt} draws each) over {nodeCount} node processes: orchestrator CPU {cpuMs:0.00} ms per attempt ({cpuMs / (drawsPerAttempt + 1):0.000} ms per draw or session), wall {wall:0.0} ms per attempt (round trips, nodes' share included)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"target ≤ 5 ms orchestrator CPU per attempt: {(cpuMs <= 5 ? "met" : "MISSED")}"));
        return cpuMs <= 5 ? 0 : 1;
    }

    private static async Task AttemptAsync(ClusterDispatcher dispatcher, CompiledAgent agent, AgentSource seed, IReadOnlyList<TaskSpec> tasks, int draws, int attempt)
    {
        var work = new SessionWork
        {
            Attempt = attempt,
            ParentId = "seed",
            ParentFiles = seed.Files,
            MetaAgent = agent,
            MetaSeed = (ulong)(attempt + 1_000_000),
            Session = $"bench-{attempt}",
            Lineage = [],
            Instruction = "improve",
            MetaLimits = new RunLimits(),
            TaskLimits = new RunLimits(),
            MaxTryEvaluations = 0,
            CompileTimeout = TimeSpan.FromSeconds(30),
        };
        var result = await dispatcher.ModifySelfAsync(work, CancellationToken.None);
        if (result.Files.Count != seed.Files.Count)
        {
            throw new InvalidOperationException("The session returned another tree.");
        }

        // As the loop does: the staged draw first, then the full evaluation's draws, in two calls.
        var offset = (ulong)(attempt + 100) * 1000;
        var all = Enumerable.Range(0, draws).Select(i => new TaskDraw(tasks[i % tasks.Count], i, offset + (ulong)i)).ToList();
        await dispatcher.EvaluateDrawsAsync(agent, all[..1], CancellationToken.None);
        await dispatcher.EvaluateDrawsAsync(agent, all[1..], CancellationToken.None);
    }
}

/// <summary>Evaluations per minute of real work (the default seed's circle-packing draws in native workers) with 1, 2
/// and 3 real <c>hyperagents node</c> processes on 127.0.0.1. On a 2-core machine it cannot scale past 2 cores.</summary>
public sealed class ClusterRealWorkBenchmark : IBenchmark
{
    public string Name => "cluster-real";

    public string Description => "evaluations/min of real circle-packing draws with 1, 2, 3 `hyperagents node` processes on 127.0.0.1 (2 slots each, native)";

    public async Task<int> RunAsync(string[] args)
    {
        var draws = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60;
        int[] sizes = args.Length > 1 ? [.. args[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [1, 2, 3];
        var domain = BenchDomains.Open("circle-packing");
        using var compiler = new AgentCompiler();
        var agent = compiler.Compile(AgentSource.FromDirectory(NodeProcesses.SeedFolder())).Agent ?? throw new InvalidOperationException("The default seed does not compile.");
        var tasks = domain.GetTasks(Split.Train).Concat(domain.GetTasks(Split.Val)).ToList();
        Console.WriteLine($"{Environment.ProcessorCount} cores; {draws} draws of the default seed over {tasks.Count} circle-packing tasks; nodes: 2 slots, native isolation");
        Console.WriteLine("nodes  draws  seconds  draws/min  vs 1 node");
        double? one = null;
        foreach (var n in sizes)
        {
            await using var nodes = await NodeProcesses.StartAsync(n, "native");
            await using var session = await nodes.ConnectAsync(domain, n);

            // Warm-up: every node's workers start and its caches fill.
            await session.Dispatcher.EvaluateDrawsAsync(agent, [.. Enumerable.Range(0, 2 * n * 2).Select(i => new TaskDraw(tasks[i % tasks.Count], i, (ulong)i))], CancellationToken.None);
            var clock = Stopwatch.StartNew();
            await session.Dispatcher.EvaluateDrawsAsync(agent, [.. Enumerable.Range(0, draws).Select(i => new TaskDraw(tasks[i % tasks.Count], i, 1_000_000 + (ulong)i))], CancellationToken.None);
            var perMinute = draws / clock.Elapsed.TotalSeconds * 60;
            one ??= perMinute;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n,5}  {draws,5}  {clock.Elapsed.TotalSeconds,7:0.0}  {perMinute,9:0}  {perMinute / one.Value,9:0.00}"));
        }

        return 0;
    }
}

/// <summary>Node processes on loopback and an orchestrator's dispatcher over them.</summary>
internal sealed class NodeProcesses : IAsyncDisposable
{
    public const string Secret = "bench-secret-0123456789abcdef";

    private readonly List<Process> _processes;

    private NodeProcesses(List<Process> processes, string spec) => (_processes, Spec) = (processes, spec);

    /// <summary>The cluster: a private redis-server on a free loopback port, or a localhost cluster named after this
    /// process when redis-server is not installed (either way, no other cluster on this machine mixes in).</summary>
    public string Spec { get; }

    public static string SeedFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "seeds", "default")))
            {
                return Path.Combine(dir.FullName, "seeds", "default");
            }
        }

        throw new InvalidOperationException("seeds/default not found above the benchmark.");
    }

    /// <summary>Starts <paramref name="count"/> nodes, one after another: real
    /// <c>hyperagents node</c> processes for <c>native</c>, this benchmark's no-work node for <c>simulated</c>.</summary>
    public static async Task<NodeProcesses> StartAsync(int count, string kind)
    {
        var started = new List<Process>();
        var spec = $"localhost/bench-{Environment.ProcessId}";
        try
        {
            if (File.Exists("/usr/bin/redis-server"))
            {
                using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
                probe.Start();
                var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                var redis = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]) { RedirectStandardOutput = true })!;
                started.Add(redis);
                redis.BeginOutputReadLine();
                spec = $"redis://127.0.0.1:{port}";
                for (var tries = 0; ; tries++)
                {
                    try
                    {
                        using var client = new System.Net.Sockets.TcpClient();
                        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                        break;
                    }
                    catch (System.Net.Sockets.SocketException) when (tries < 100)
                    {
                        await Task.Delay(100);
                    }
                }
            }

            for (var i = 0; i < count; i++)
            {
                var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
                string[] args = kind == "native"
                    ? [Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"), "node", "--cluster", spec, "--slots", "2", "--isolation", "native"]
                    : [Path.Combine(AppContext.BaseDirectory, "Hyperagents.Bench.dll"), "cluster-node", spec];
                foreach (var a in args)
                {
                    psi.ArgumentList.Add(a);
                }

                psi.Environment[ClusterSecret.Variable] = Secret;
                psi.Environment["NO_COLOR"] = "1";
                var process = Process.Start(psi)!;
                started.Add(process);
                var output = new StringBuilder();
                var ready = new TaskCompletionSource();
                process.OutputDataReceived += (_, e) =>
                {
                    lock (output)
                    {
                        output.AppendLine(e.Data);
                    }

                    if (e.Data?.Contains(" ready", StringComparison.Ordinal) == true)
                    {
                        ready.TrySetResult();
                    }
                };
                process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(3)));
                if (!ready.Task.IsCompleted)
                {
                    throw new InvalidOperationException("A node did not start: " + output);
                }
            }

            return new NodeProcesses(started, spec);
        }
        catch
        {
            await new NodeProcesses(started, spec).DisposeAsync();
            throw;
        }
    }

    public async Task<Connected> ConnectAsync(IDomain domain, int nodes)
    {
        var spec = ClusterSpec.Parse(Spec, out _)!;
        var connection = await ClusterConnection.ConnectAsync(spec, null, CancellationToken.None);
        var hash = EvaluatorHash.For(domain);
        var dispatcher = new ClusterDispatcher(connection.Client, new ClusterSecret(Secret), new DomainShipment { Key = $"builtin:{domain.Name}@{hash}", Name = domain.Name, Hash = hash }, new RunLimits());
        await dispatcher.WaitForNodesAsync(nodes, CancellationToken.None);
        return new Connected(connection, dispatcher);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in Enumerable.Reverse(_processes))
        {
            try
            {
                p.Kill(entireProcessTree: true);
                await p.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
            }

            p.Dispose();
        }
    }

    internal sealed class Connected(ClusterConnection connection, ClusterDispatcher dispatcher) : IAsyncDisposable
    {
        public ClusterDispatcher Dispatcher => dispatcher;

        public async ValueTask DisposeAsync()
        {
            await dispatcher.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

/// <summary>A node process whose sessions return the parent unchanged and whose draws answer at once: work that costs
/// nothing, so what remains is the cluster's own cost. Started by <c>cluster-overhead</c>; runs until killed.</summary>
public sealed class ClusterNodeProcess : IBenchmark
{
    public string Name => "cluster-node";

    public string Description => "(used by cluster-overhead) a node process doing no work, until killed";

    public async Task<int> RunAsync(string[] args)
    {
        using var compiler = new AgentCompiler();
        var services = new NodeServices
        {
            Secret = new ClusterSecret(NodeProcesses.Secret),
            Runner = new NoWorkRunner(),
            Slots = 64,
            Compiler = compiler,
            OpenDomain = s => BenchDomains.Open(s.Name),
        };
        await using var node = await NodeHost.StartAsync(ClusterSpec.Parse(args.Length > 0 ? args[0] : "localhost", out _)!, services, "simulated", null, null, CancellationToken.None);
        Console.WriteLine($"node {node.NodeId} ready");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    private sealed class NoWorkRunner : IAgentRunner
    {
        public string Name => "simulated";

        public int Capacity => 1024;

        public Task<AgentOutcome> SolveTaskAsync(CompiledAgent agent, TaskInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken) =>
            Task.FromResult(new AgentOutcome(OutcomeKind.Completed, "[]", null, null, TimeSpan.Zero, null, string.Empty, 0));

        public Task<AgentOutcome> ModifySelfAsync(CompiledAgent agent, MetaInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken) =>
            Task.FromResult(new AgentOutcome(OutcomeKind.Completed, null, null, null, TimeSpan.Zero, null, string.Empty, 0));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
