using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Hyperagents.Hosting.Tests.Support;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The contained tier under gVisor (<c>--runtime runsc</c>): the rows whose mechanism differs from bubblewrap's.
/// Agent code is compiled without the gate (<see cref="TestCompiler"/>), so each test shows what the sandbox stops on
/// its own.</summary>
[Collection("workers")]
public sealed class RunscRunnerTests : IClassFixture<RunscFixture>
{
    public RunscRunnerTests(RunscFixture runsc) => Assert.True(runsc.Availability.Available);

    private static ContainedRunner Runner(Func<ContainedOptions, ContainedOptions>? contain = null) =>
        new(Some.Options(), (contain ?? (c => c))(RunscFixture.Options));

    [Fact]
    public async Task A_runsc_worker_completes_in_a_pid_namespace_of_its_own_and_is_named_for_provenance()
    {
        await using var runner = Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task("t7", n: 21), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        var parts = outcome.Answer!.Split('|');
        Assert.Equal(["t7", "42"], parts[..2]);
        Assert.InRange(int.Parse(parts[2], CultureInfo.InvariantCulture), 1, 3); // the worker is pid 1 of gVisor's kernel
        Assert.Equal("contained-runsc", runner.Name);
    }

    [Fact]
    public async Task Under_runsc_host_files_home_and_the_hosts_processes_are_invisible()
    {
        // E1, E2.
        var secretFolder = Directory.CreateTempSubdirectory("ha-runsc-secret-").FullName;
        var secret = Path.Combine(secretFolder, "holdout.jsonl");
        File.WriteAllText(secret, "{\"answer\":42}");
        try
        {
            var source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Hyperagents.Hosting.Tests.csproj");
            Assert.True(File.Exists(source));
            string[] paths =
            [
                secret, secretFolder + "/", "/etc/passwd", "/etc/hostname", "/root", "/root/.ssh/", "/home/", source,
                "/tmp/../etc/passwd", "/usr/lib/../../etc/shadow", "../../../../etc/hostname",
                $"/proc/{Environment.ProcessId}/environ", $"/proc/{Environment.ProcessId}/status",
            ];
            var rows = await ContainedRunnerTests.ProbeAsync(Runner(), "files", new() { ["paths"] = string.Join('|', paths) });

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
    public async Task Under_runsc_no_network_not_even_loopback_to_a_server_on_the_host()
    {
        // E4: socket() is denied by the OCI seccomp profile the Sentry enforces.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var rows = await ContainedRunnerTests.ProbeAsync(Runner(), "network", new() { ["port"] = port.ToString(CultureInfo.InvariantCulture) });

        Assert.False(rows.ContainsKey("socket"), "socket() was allowed");
        Assert.Equal(nameof(SocketError.AccessDenied), rows["error"]);
        Assert.NotEqual("resolved", rows["dns"]);
        Assert.False(listener.Pending(), "the host's listener saw a connection");
    }

    [Fact]
    public async Task Under_runsc_without_the_socket_rule_the_sandbox_network_still_reaches_nothing_of_the_host()
    {
        // E4, second layer: network none leaves the Sentry's own loopback only.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var rows = await ContainedRunnerTests.ProbeAsync(Runner(c => c with { Omit = ContainedLayers.Seccomp }), "network", new() { ["port"] = port.ToString(CultureInfo.InvariantCulture) });

        Assert.Equal("created", rows["socket"]);
        Assert.False(rows.ContainsKey("loopback"), "connected to the host's loopback");
        Assert.NotEqual("resolved", rows["dns"]);
        Assert.False(listener.Pending(), "the host's listener saw a connection");
    }

    [Fact]
    public async Task Under_runsc_the_seccomp_profile_denies_debugging_namespaces_keyrings_bpf_perf_userfaultfd_personality_and_sockets()
    {
        var rows = await ContainedRunnerTests.ProbeAsync(Runner(), "syscalls", []);

        Assert.Equal(10, rows.Count);
        foreach (var (call, result) in rows)
        {
            Assert.True(result == "errno 1", $"{call}: {result}");
        }
    }

    [Fact]
    public async Task Under_runsc_filling_the_disk_stops_at_the_scratch_cap()
    {
        // R8: gVisor's tmpfs honours the size the bundle gives /tmp.
        var rows = await ContainedRunnerTests.ProbeAsync(Runner(c => c with { ScratchBytes = 8L * 1024 * 1024 }), "disk", new() { ["cap"] = (64L * 1024 * 1024).ToString(CultureInfo.InvariantCulture) });

        Assert.Equal("IOException", rows["stopped"]);
        Assert.InRange(long.Parse(rows["written"], CultureInfo.InvariantCulture), 0, 8L * 1024 * 1024);
    }

    [Fact]
    public async Task Under_runsc_a_double_forked_grandchild_dies_with_the_sandbox_at_the_deadline()
    {
        // R2, I10: the grandchild is a task of gVisor's kernel, not a host process; it lives as long as the sandbox's
        // host processes do. They are seen while the call runs (at its log line) and must all be gone after the deadline.
        var during = new List<int>();
        var handler = new RecordingHandler
        {
            Override = (capability, _, _) =>
            {
                if (capability == Capabilities.Log)
                {
                    lock (during)
                    {
                        during.AddRange(SandboxProcesses());
                    }
                }

                return null;
            },
        };
        await using var runner = Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Escape"), ContainedRunnerTests.Task("orphan", new() { ["name"] = "hx-runsc" }), handler, Some.Limits(wallSeconds: 5), CancellationToken.None);

        Assert.Equal(OutcomeKind.Deadline, outcome.Kind);
        Assert.StartsWith("forked ", Assert.Single(handler.LogLines));
        List<int> seen;
        lock (during)
        {
            seen = [.. during];
        }

        Assert.True(seen.Count >= 3, $"expected runsc, its gofer and its sandbox while the call ran; saw {seen.Count} process(es)");
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (seen.Any(Processes.IsAlive) && DateTime.UtcNow < until)
        {
            await System.Threading.Tasks.Task.Delay(100);
        }

        Assert.DoesNotContain(seen, Processes.IsAlive);
    }

    [Fact]
    public void The_kvm_platform_is_an_option_and_an_unknown_platform_is_an_options_error()
    {
        Assert.Equal("ptrace", new ContainedOptions().RunscPlatform);
        var error = Assert.Throws<InvalidOptionsException>(() => new ContainedRunner(Some.Options(), RunscFixture.Options with { RunscPlatform = "systrap" }));
        Assert.Contains("RunscPlatform must be one of ptrace, kvm (was 'systrap')", error.Message);
    }

    [Fact]
    public void A_missing_runsc_is_a_user_error_naming_the_install_before_any_worker_starts()
    {
        var missing = RunscFixture.Options with { RunscPath = "/nonexistent/runsc" };
        var error = Assert.Throws<ContainedUnavailableException>(() => new ContainedRunner(Some.Options(), missing));
        Assert.IsAssignableFrom<UserErrorException>(error);
        Assert.Contains("apt-get install runsc", error.Message);
    }

    // The host processes of this test's sandboxes (runsc, its gofer, its sandbox and the sandbox's platform stubs): those
    // whose command line names runsc, and their descendants.
    private static List<int> SandboxProcesses()
    {
        var parents = new Dictionary<int, int>();
        var roots = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("hyperagents-runsc-", StringComparison.Ordinal))
                {
                    roots.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }

        var found = new HashSet<int>(roots);
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (found.Contains(parent) && found.Add(pid))
                {
                    grew = true;
                }
            }
        }

        return [.. found];
    }
}
