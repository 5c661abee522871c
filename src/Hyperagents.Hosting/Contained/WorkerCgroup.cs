using System.Globalization;

namespace Hyperagents.Hosting.Contained;

/// <summary>One worker's cgroup: memory, task-count and CPU limits on the whole tree, created below the host's own
/// cgroup (so it stays inside whatever limits the host has) and removed when the worker is gone. Works on cgroup v2 and
/// on v1 hierarchies; where neither can be written, <see cref="Probe"/> says why and workers run with rlimits only.</summary>
internal sealed class WorkerCgroup : IWorkerConfinement
{
    private static readonly Lazy<(CgroupLayout? Layout, string Reason)> Layout = new(Discover);
    private readonly List<string> _directories;
    private int _disposed;

    private WorkerCgroup(List<string> directories) => _directories = directories;

    /// <summary>The folders a process joins by writing its pid to their <c>cgroup.procs</c>.</summary>
    public IReadOnlyList<string> Directories => _directories;

    /// <summary>Whether cgroup limits can be set here, and how (or why not), in one line.</summary>
    public static (bool Available, string Detail) Probe() => Layout.Value is { Layout: not null } found
        ? (true, found.Reason)
        : (false, Layout.Value.Reason);

    /// <summary>Creates the cgroup with its limits; null when cgroups are unavailable here (see <see cref="Probe"/>).</summary>
    /// <exception cref="IOException">A limit could not be written to a cgroup that was created.</exception>
    public static WorkerCgroup? Create(long memoryBytes, int maxTasks, double cpuCores)
    {
        return Layout.Value.Layout is { } layout ? CreateIn(layout, memoryBytes, maxTasks, cpuCores) : null;
    }

    private static WorkerCgroup CreateIn(CgroupLayout layout, long memoryBytes, int maxTasks, double cpuCores)
    {
        var name = "hyperagents-" + Guid.NewGuid().ToString("N")[..16];
        var created = new List<string>();
        var group = new WorkerCgroup(created);
        try
        {
            foreach (var parent in layout.Parents.Distinct(StringComparer.Ordinal))
            {
                var directory = Path.Combine(parent, name);
                Directory.CreateDirectory(directory);
                created.Add(directory);
            }

            var quota = ((long)Math.Round(cpuCores * 100_000)).ToString(CultureInfo.InvariantCulture);
            var memory = memoryBytes.ToString(CultureInfo.InvariantCulture);
            var tasks = maxTasks.ToString(CultureInfo.InvariantCulture);
            if (layout.Unified)
            {
                var directory = created[0];
                Write(directory, "memory.max", memory);
                WriteIfPresent(directory, "memory.swap.max", "0");
                Write(directory, "pids.max", tasks);
                Write(directory, "cpu.max", quota + " 100000");
            }
            else
            {
                var memoryDirectory = Path.Combine(layout.Memory, name);
                Write(memoryDirectory, "memory.limit_in_bytes", memory);
                WriteIfPresent(memoryDirectory, "memory.memsw.limit_in_bytes", memory);
                Write(Path.Combine(layout.Pids, name), "pids.max", tasks);
                var cpuDirectory = Path.Combine(layout.Cpu, name);
                Write(cpuDirectory, "cpu.cfs_period_us", "100000");
                Write(cpuDirectory, "cpu.cfs_quota_us", quota);
            }

            return group;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            group.Dispose();
            throw new IOException($"The worker's cgroup could not be set up: {ex.Message}", ex);
        }
    }

    /// <summary>Kills every process still in the cgroup (the tree of a worker killed at its deadline).</summary>
    public void Kill()
    {
        foreach (var directory in _directories)
        {
            foreach (var pid in Members(directory))
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>Kills what is left and removes the cgroup folders; a folder that still has a dying member is retried
    /// for a moment, then left (the kernel frees it once empty; it holds no data).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Kill();
        foreach (var directory in _directories)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                try
                {
                    Directory.Delete(directory);
                    break;
                }
                catch (DirectoryNotFoundException)
                {
                    break;
                }
                catch (IOException)
                {
                    Thread.Sleep(20);
                }
            }
        }
    }

    private static IEnumerable<int> Members(string directory)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(directory, "cgroup.procs"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return lines.Select(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0).Where(pid => pid > 0);
    }

    private static void Write(string directory, string file, string value) => File.WriteAllText(Path.Combine(directory, file), value);

    private static void WriteIfPresent(string directory, string file, string value)
    {
        if (File.Exists(Path.Combine(directory, file)))
        {
            Write(directory, file, value);
        }
    }

    /// <summary>Finds where this process's cgroups are and checks, by creating and removing a probe group, that a
    /// child with memory, pids and CPU limits can be made.</summary>
    private static (CgroupLayout? Layout, string Reason) Discover()
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, "cgroups exist on Linux only");
        }

        try
        {
            var own = File.ReadAllLines("/proc/self/cgroup")
                .Select(l => l.Split(':', 3))
                .Where(p => p.Length == 3)
                .ToList();
            var mounts = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).Where(p => p.Length >= 4).ToList();

            CgroupLayout? layout = null;
            var unifiedMount = mounts.FirstOrDefault(m => m[2] == "cgroup2")?[1];
            var unifiedPath = own.FirstOrDefault(p => p[0] == "0" && p[1].Length == 0)?[2];
            if (unifiedMount is not null && unifiedPath is not null)
            {
                var parent = Path.Join(unifiedMount, unifiedPath);
                var controllers = ReadOrEmpty(Path.Combine(parent, "cgroup.subtree_control")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (new[] { "memory", "pids", "cpu" }.All(controllers.Contains))
                {
                    layout = new CgroupLayout(true, parent, parent, parent);
                }
            }

            if (layout is null)
            {
                string? V1(string controller)
                {
                    var mount = mounts.FirstOrDefault(m => m[2] == "cgroup" && m[3].Split(',').Contains(controller))?[1];
                    var path = own.FirstOrDefault(p => p[1].Split(',').Contains(controller))?[2];
                    return mount is null || path is null ? null : Path.Join(mount, path);
                }

                if (V1("memory") is { } memory && V1("pids") is { } pids && V1("cpu") is { } cpu)
                {
                    layout = new CgroupLayout(false, memory, pids, cpu);
                }
            }

            if (layout is null)
            {
                return (null, "no cgroup hierarchy here delegates the memory, pids and cpu controllers to this process");
            }

            // Prove it: make a probe group with all three limits, then remove it.
            using var probe = CreateIn(layout, 64L * 1024 * 1024, 32, 1);
            return (layout, layout.Unified ? "cgroup v2: memory.max, pids.max, cpu.max" : "cgroup v1: memory.limit_in_bytes, pids.max, cpu.cfs_quota_us");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"cgroup limits cannot be set here ({ex.Message.TrimEnd('.')})");
        }
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private sealed record CgroupLayout(bool Unified, string Memory, string Pids, string Cpu)
    {
        public IEnumerable<string> Parents => [Memory, Pids, Cpu];
    }
}
