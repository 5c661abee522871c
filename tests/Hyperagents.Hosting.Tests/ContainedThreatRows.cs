using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hyperagents.Hosting.Tests.Support;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The contained tier's threat rows, each written once and run under every runtime by a subclass that supplies
/// the runtime's <see cref="ContainedOptions"/>: bubblewrap (<see cref="ContainedRunnerTests"/>) and gVisor's runsc
/// (<see cref="RunscRunnerTests"/>). Agent code here is compiled without the capability gate (<see cref="TestCompiler"/>),
/// so each row shows what the operating system (or the Sentry) stops on its own; each protection can be left out
/// (<see cref="ContainedOptions"/>' internal <c>Omit</c>) to show it is the one that stops the attack.</summary>
public abstract class ContainedThreatRows
{
    /// <summary>The runtime's containment, before a row changes it.</summary>
    protected abstract ContainedOptions Containment { get; }

    /// <summary>The name the runner registers under with this runtime (provenance).</summary>
    protected abstract string TierName { get; }

    /// <summary>Whether a double-forked grandchild is a host process (bubblewrap: it runs on the host's kernel, in the
    /// worker's pid namespace) or a task of gVisor's kernel that the host never sees (runsc).</summary>
    protected abstract bool GrandchildIsAHostProcess { get; }

    /// <summary>A contained runner of this runtime with the test defaults and, optionally, changed containment.</summary>
    internal ContainedRunner Runner(Func<ContainedOptions, ContainedOptions>? contain = null) =>
        new(Some.Options(), (contain ?? (c => c))(Containment));

    [Fact]
    public async Task SolveTask_completes_in_a_contained_worker_with_a_pid_namespace_of_its_own_named_for_provenance()
    {
        await using var runner = Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task("t7", n: 21), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        var parts = outcome.Answer!.Split('|');
        Assert.Equal(["t7", "42"], parts[..2]);
        Assert.InRange(int.Parse(parts[2], CultureInfo.InvariantCulture), 1, 3); // bubblewrap's reaper, or gVisor's kernel, is pid 1
        Assert.Equal("solving t7\n", outcome.Output);
        Assert.Equal(TierName, runner.Name);
    }

    [Fact]
    public async Task Host_files_home_and_the_hosts_processes_are_invisible_whatever_the_path_spelling()
    {
        // E1, E2: a secret next to the test, the test's source, the user's home, the host's /proc, and traversal/trailing-slash spellings.
        var secretFolder = Directory.CreateTempSubdirectory("ha-contained-secret-").FullName;
        var secret = Path.Combine(secretFolder, "holdout.jsonl");
        File.WriteAllText(secret, "{\"answer\":42}");
        try
        {
            // The test project's source, next to the worker's own (visible) folder.
            var source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Hyperagents.Hosting.Tests.csproj");
            Assert.True(File.Exists(source));
            string[] paths =
            [
                secret, secretFolder + "/", "/etc/passwd", "/etc/hostname", "/root", "/root/.ssh/", "/home/", source,
                "/tmp/../etc/passwd", "/usr/lib/../../etc/shadow", "../../../../etc/hostname",
                $"/proc/{Environment.ProcessId}/environ", $"/proc/{Environment.ProcessId}/status",
            ];
            var rows = await ProbeAsync(Runner(), "files", new() { ["paths"] = string.Join('|', paths) });

            foreach (var path in paths)
            {
                Assert.True(rows[path] is "FileNotFoundException" or "DirectoryNotFoundException", $"{path}: {rows[path]}");
            }
        }
        finally
        {
            Directory.Delete(secretFolder, recursive: true);
        }
    }

    [Fact]
    public async Task The_runtime_and_the_workers_files_are_read_only_and_only_the_scratch_is_writable()
    {
        // E1: the binds of the runtime, the worker's folder and the system libraries are read-only.
        var dotnet = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "ha-contained-written.txt");
        var own = Path.Combine(AppContext.BaseDirectory, "ha-contained-written.txt");
        string[] paths = [dotnet, own, "/usr/lib/ha-contained-written.txt", "/tmp/scratch.txt"];
        var rows = await ProbeAsync(Runner(), "write", new() { ["paths"] = string.Join('|', paths) });

        Assert.Equal("written", rows["/tmp/scratch.txt"]);
        foreach (var path in paths[..3])
        {
            Assert.True(rows[path] is "UnauthorizedAccessException" or "IOException", $"{path}: {rows[path]}");
            Assert.False(File.Exists(path), path);
        }
    }

    [Fact]
    public async Task Filling_the_disk_stops_at_the_scratch_cap()
    {
        // R8: many 1 MiB files (below the per-file limit) until the 8 MiB tmpfs is full.
        var rows = await ProbeAsync(Runner(c => c with { ScratchBytes = 8L * 1024 * 1024 }), "disk", new() { ["cap"] = (64L * 1024 * 1024).ToString(CultureInfo.InvariantCulture) });

        Assert.Equal("IOException", rows["stopped"]);
        Assert.InRange(long.Parse(rows["written"], CultureInfo.InvariantCulture), 0, 8L * 1024 * 1024);
    }

    [Fact]
    public async Task Opening_descriptors_stops_at_the_descriptor_limit()
    {
        // R9.
        var rows = await ProbeAsync(Runner(), "descriptors", new() { ["cap"] = "4096" });

        Assert.NotEqual("no", rows["stopped"]);
        Assert.InRange(int.Parse(rows["opened"], CultureInfo.InvariantCulture), 1, 512);
    }

    [Fact]
    public async Task A_thread_or_process_bomb_stops_at_the_task_limit()
    {
        // R10, R11: threads count as tasks in pids.max, as processes do.
        await using var runner = Runner(c => c with { MaxTasks = 64 });
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Escape"), Task("tasks", new() { ["cap"] = "2000" }), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        // The bomb may take the runtime down with it (it cannot start a thread it needs); it never gets its 2000 tasks.
        if (outcome.Kind == OutcomeKind.Completed)
        {
            var rows = Rows(outcome.Answer!);
            Assert.NotEqual("no", rows["stopped"]);
            Assert.InRange(int.Parse(rows["started"], CultureInfo.InvariantCulture), 0, 64);
        }
        else
        {
            Assert.Equal(OutcomeKind.Crashed, outcome.Kind);
        }

        var next = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, next.Kind);
    }

    [Fact]
    public async Task Native_memory_beyond_the_heap_limit_is_stopped_by_the_memory_cgroup()
    {
        // R6: memory the GC heap limit does not see (native allocations), bounded by the cgroup: 64 MiB heap + 64 MiB.
        await using var runner = Runner(c => c with { MemoryOverheadBytes = 64L * 1024 * 1024 });
        var limits = Some.Limits() with { MemoryBytes = 64L * 1024 * 1024 };
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Escape"), Task("native-memory", new() { ["cap"] = (512L * 1024 * 1024).ToString(CultureInfo.InvariantCulture) }), new RecordingHandler(), limits, CancellationToken.None);

        Assert.True(outcome.Kind is OutcomeKind.Crashed or OutcomeKind.OutOfMemory, $"{outcome.Kind}: {outcome.Answer} {outcome.Detail}");
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task A_double_forked_grandchild_dies_with_the_tree_at_the_deadline()
    {
        // R2, I10: the grandchild is orphaned at once (its parent exits), so no process-tree walk from the worker finds
        // it. While the call runs (at its log line, sent once the grandchild is named) the host processes of the call
        // are seen: every descendant of this test process (the worker's tree: under bubblewrap its pid namespace, under
        // runsc the sandbox's runsc, Gofer, Sentry and stubs) and any process named as the grandchild (found however it
        // escaped the tree). All must be gone after the deadline.
        var name = "hx" + Guid.NewGuid().ToString("N")[..10];
        var during = new HashSet<int>();
        var named = new HashSet<int>();
        var handler = new RecordingHandler
        {
            Override = (capability, _, _) =>
            {
                if (capability == Capabilities.Log)
                {
                    lock (during)
                    {
                        named.UnionWith(Processes.Named(name));
                        during.UnionWith(Processes.Descendants(Environment.ProcessId));
                        during.UnionWith(named);
                    }
                }

                return null;
            },
        };
        await using var runner = Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Escape"), Task("orphan", new() { ["name"] = name }), handler, Some.Limits(wallSeconds: 5), CancellationToken.None);

        Assert.Equal(OutcomeKind.Deadline, outcome.Kind);
        Assert.Null(outcome.Answer);
        Assert.Matches("^forked [0-9]+$", Assert.Single(handler.LogLines));
        List<int> seen;
        lock (during)
        {
            seen = [.. during];
            Assert.Equal(GrandchildIsAHostProcess, named.Count == 1);
        }

        Assert.True(seen.Count >= 3, $"expected the worker's tree while the call ran; saw {seen.Count} process(es)");
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (seen.Any(Processes.IsAlive) && DateTime.UtcNow < until)
        {
            await System.Threading.Tasks.Task.Delay(100);
        }

        Assert.DoesNotContain(seen, Processes.IsAlive);
    }

    [Fact]
    public async Task No_network_not_even_loopback_to_a_server_on_the_host()
    {
        // E4: a listener on the host's loopback (a model server would be one); socket() itself is denied by seccomp
        // (under runsc, by the bundle's OCI seccomp profile, which the Sentry enforces).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var rows = await ProbeAsync(Runner(), "network", new() { ["port"] = port.ToString(CultureInfo.InvariantCulture) });

        Assert.False(rows.ContainsKey("socket"), "socket() was allowed");
        Assert.Equal(nameof(SocketError.AccessDenied), rows["error"]);
        Assert.NotEqual("resolved", rows["dns"]);
        Assert.False(listener.Pending(), "the host's listener saw a connection");
    }

    [Fact]
    public async Task Without_the_socket_rule_the_empty_network_namespace_still_reaches_nothing_of_the_host()
    {
        // E4, second layer: with sockets allowed, the network namespace (under runsc: --network=none, the Sentry's own
        // loopback only) has no route to the host's loopback.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var rows = await ProbeAsync(Runner(c => c with { Omit = ContainedLayers.Seccomp }), "network", new() { ["port"] = port.ToString(CultureInfo.InvariantCulture) });

        Assert.Equal("created", rows["socket"]);
        Assert.False(rows.ContainsKey("loopback"), "connected to the host's loopback");
        Assert.NotEqual("resolved", rows["dns"]);
        Assert.False(listener.Pending(), "the host's listener saw a connection");
    }

    [Fact]
    public async Task The_seccomp_filter_denies_debugging_namespaces_keyrings_bpf_perf_userfaultfd_personality_and_sockets()
    {
        var rows = await ProbeAsync(Runner(), "syscalls", []);

        Assert.Equal(10, rows.Count);
        foreach (var (call, result) in rows)
        {
            Assert.True(result == "errno 1", $"{call}: {result}");
        }
    }

    [Fact]
    public async Task The_environment_is_empty_but_for_the_allow_list_and_host_paths_are_not_passed()
    {
        // E5.
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "sk-test-must-not-leak");
        Environment.SetEnvironmentVariable("HYPERAGENTS_CONTAINED_SECRET", "also-not");
        try
        {
            await using var runner = Runner();
            var probe = await runner.ProbeAsync("environment", 256L * 1024 * 1024, CancellationToken.None);

            Assert.DoesNotContain("OPENAI_API_KEY", probe.Values.Keys);
            Assert.DoesNotContain("HYPERAGENTS_CONTAINED_SECRET", probe.Values.Keys);
            Assert.DoesNotContain(probe.Values.Values, v => v.Contains("sk-test", StringComparison.Ordinal) || v.Contains("also-not", StringComparison.Ordinal));
            Assert.Equal("/tmp", probe.Values["HOME"]);
            Assert.Equal("/tmp", probe.Values["TMPDIR"]);
            Assert.Equal("/usr/bin:/bin", probe.Values["PATH"]);
            Assert.Equal("10000000", probe.Values["DOTNET_GCHeapHardLimit"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENAI_API_KEY", null);
            Environment.SetEnvironmentVariable("HYPERAGENTS_CONTAINED_SECRET", null);
        }
    }

    [Fact]
    public async Task A_stack_overflow_ends_the_contained_worker_only_and_the_next_call_works()
    {
        // R5: reported as a stack overflow, as the runner contract says (the runtime's report reaches the host's stderr tail).
        await using var runner = Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Recurse"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.StackOverflow, outcome.Kind);

        var next = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, next.Kind);
    }

    [Fact]
    public async Task What_one_contained_call_changes_in_its_process_no_later_call_sees()
    {
        // The state carry-over of the hardening issue: a fresh contained process per call.
        await using var runner = Runner();
        var agent = TestCompiler.Agent("ProcessState");
        var mutated = await runner.SolveTaskAsync(agent, Some.Task("mutate"), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, mutated.Kind);
        Assert.Contains("CultureInfo.CurrentCulture=1,5", mutated.Answer);

        var observed = await runner.SolveTaskAsync(agent, Some.Task("observe"), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, observed.Kind);
        Assert.Equal(FreshStateTests.FreshState, Rows(observed.Answer!).ToDictionary(StringComparer.Ordinal));
    }

    internal static TaskInvocation Task(string probe, Dictionary<string, string> parameters) =>
        new(new TaskSpec("test", probe, "A containment probe.", parameters, null), 42);

    internal static async Task<Dictionary<string, string>> ProbeAsync(ContainedRunner runner, string probe, Dictionary<string, string> parameters)
    {
        await using (runner)
        {
            var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Escape"), Task(probe, parameters), new RecordingHandler(), Some.Limits(), CancellationToken.None);
            Assert.True(outcome.Kind == OutcomeKind.Completed, $"{outcome.Kind}: {outcome.ExceptionType} {outcome.Detail}");
            return Rows(outcome.Answer!);
        }
    }

    internal static Dictionary<string, string> Rows(string answer) =>
        answer.Split('\n').Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
