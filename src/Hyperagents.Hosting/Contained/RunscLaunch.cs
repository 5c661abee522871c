using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Hyperagents.Hosting.Contained;

/// <summary>The contained worker under gVisor (<c>--runtime runsc</c>): the same program, arguments, environment,
/// read-only binds, size-capped <c>/tmp</c>, user (65534), empty capability sets and cgroup as under bubblewrap, written
/// as an OCI bundle and run by <c>runsc run</c>. Agent code then talks to gVisor's user-space kernel (the Sentry), not to
/// the host's: the host kernel sees only the Sentry's and the Gofer's own narrow syscall sets.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><description>Network <c>none</c>: the sandbox has only its own loopback, not the host's.</description></item>
/// <item><description>The deny-list of <see cref="SeccompFilter"/> is given by name as the bundle's OCI seccomp profile
/// (<c>--oci-seccomp</c>), which the Sentry enforces on the agent's calls.</description></item>
/// <item><description>The platform is <see cref="ContainedOptions.RunscPlatform"/> (<c>ptrace</c> by default: <c>kvm</c>
/// needs <c>/dev/kvm</c> and hangs on some virtual machines).</description></item>
/// <item><description>runsc starts its sandbox <c>--attached</c>: killing runsc (the deadline kills the tree) kills the
/// Sentry and every process in it; the cgroup kill catches anything else.</description></item>
/// </list>
/// One folder per worker holds its bundle, runsc's state and its root file system (an empty, read-only skeleton of
/// mount points), removed with the worker.
/// </remarks>
internal sealed class RunscLaunch(ContainedOptions options) : IWorkerLauncher
{
    /// <summary>Memory the Sentry and the Gofer use beyond the worker's own, added to the worker's cgroup limit.</summary>
    public const long SandboxOverheadBytes = 128L * 1024 * 1024;

    /// <summary>Host tasks gVisor itself needs beyond the worker's (runsc, the Gofer, the Sentry's Go threads and, on the
    /// ptrace platform, a stub thread per Sentry thread per address space: about 70 for an idle worker), added to the
    /// cgroup's <c>pids.max</c>. The agent's own tasks are tasks of the Sentry, not of the host, so
    /// <see cref="ContainedOptions.MaxTasks"/> bounds them as the sandbox's <c>RLIMIT_NPROC</c> instead.</summary>
    public const int SandboxOverheadTasks = 256;

    // Joins every cgroup folder given before "--", then replaces itself with the command after it.
    private const string JoinScript = "while [ \"$1\" != -- ]; do echo $$ > \"$1/cgroup.procs\" || exit 125; shift; done; shift; exec \"$@\"";

    /// <summary>Rewrites <paramref name="start"/> to run its program in a gVisor sandbox; the confinement is the worker's
    /// cgroup and its bundle folder.</summary>
    /// <exception cref="InvalidOperationException">The tier is unavailable here; the message says why and how to fix it.</exception>
    public WorkerStart Wrap(ProcessStartInfo start, long memoryBytes)
    {
        var availability = ContainedAvailability.Check(options);
        if (!availability.Available)
        {
            throw new InvalidOperationException(availability.Detail);
        }

        var program = ContainedLaunch.ResolveProgram(start.FileName);
        var arguments = start.ArgumentList.ToList();
        var dotnetRoot = ContainedLaunch.DotnetRoot();
        var inside = ContainedLaunch.InsideEnvironment(start, dotnetRoot);
        var paths = ContainedLaunch.ReadOnlyPaths(program, arguments, dotnetRoot).ToList();
        var id = "hyperagents-" + Guid.NewGuid().ToString("N")[..16];

        // A private (0700) folder per worker, removed with it: the bundle, runsc's state, and the root, which itself
        // must be traversable by the sandbox's user.
        var folder = Directory.CreateTempSubdirectory("hyperagents-runsc-").FullName;
        var rootfs = BuildRoot(Path.Combine(folder, "root"), paths);
        File.WriteAllText(Path.Combine(folder, "config.json"), Config(rootfs, paths, [program, .. arguments], inside, options).ToJsonString());

        string[] runsc = [availability.Runsc!, .. GlobalFlags(Path.Combine(folder, "state"), options), "run", "--bundle", folder, id];
        var omit = options.Omit;

        WorkerCgroup? cgroup = null;
        try
        {
            cgroup = omit.HasFlag(ContainedLayers.Cgroups) ? null : WorkerCgroup.Create(memoryBytes + options.MemoryOverheadBytes + SandboxOverheadBytes, options.MaxTasks + SandboxOverheadTasks, options.CpuCores);
        }
        catch
        {
            Delete(folder);
            throw;
        }

        start.FileName = "/bin/sh";
        start.ArgumentList.Clear();
        foreach (var argument in (string[])["-c", JoinScript, "hyperagents-contained", .. cgroup?.Directories ?? [], "--", .. runsc])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.WorkingDirectory = "/";
        return new WorkerStart(start, new Sandbox(cgroup, folder));
    }

    /// <summary>runsc's flags before its command: the state folder, no cgroups of runsc's own, the network (none), the
    /// platform, the OCI seccomp profile, and rootless mode when not run as root.</summary>
    /// <remarks>Without <c>--ignore-cgroups</c> runsc (as root) moves its Sentry and Gofer into a cgroup named after the
    /// container at the root of every hierarchy, with no limits: out of the worker's cgroup, and out of the host's own.</remarks>
    internal static IEnumerable<string> GlobalFlags(string state, ContainedOptions options)
    {
        yield return "--root";
        yield return state;
        yield return "--ignore-cgroups";
        yield return options.Omit.HasFlag(ContainedLayers.NetworkNamespace) ? "--network=host" : "--network=none";
        yield return "--platform=" + options.RunscPlatform;
        if (!options.Omit.HasFlag(ContainedLayers.Seccomp))
        {
            yield return "--oci-seccomp";
        }

        if (Environment.UserName != "root")
        {
            yield return "--rootless";
        }
    }

    /// <summary>The OCI runtime configuration of one worker.</summary>
    internal static JsonObject Config(string rootfs, IReadOnlyList<(string Path, string? Link)> paths, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, ContainedOptions options)
    {
        var tmpfs = new JsonArray("nosuid", "nodev", "mode=1777");
        if (!options.Omit.HasFlag(ContainedLayers.ScratchCap))
        {
            tmpfs.Add("size=" + options.ScratchBytes.ToString(CultureInfo.InvariantCulture));
        }

        var mounts = new JsonArray
        {
            new JsonObject { ["destination"] = "/proc", ["type"] = "proc", ["source"] = "proc" },
            new JsonObject { ["destination"] = "/dev", ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("nosuid", "mode=755", "size=65536") },
            new JsonObject { ["destination"] = ContainedLaunch.Scratch, ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = tmpfs },
        };
        foreach (var (path, _) in paths.Where(p => p.Link is null))
        {
            mounts.Add(new JsonObject { ["destination"] = path, ["type"] = "bind", ["source"] = path, ["options"] = new JsonArray("rbind", "ro", "nosuid", "nodev") });
        }

        var linux = new JsonObject
        {
            ["namespaces"] = new JsonArray(new[] { "pid", "network", "ipc", "uts", "mount" }.Select(n => (JsonNode)new JsonObject { ["type"] = n }).ToArray()),
        };
        if (!options.Omit.HasFlag(ContainedLayers.Seccomp))
        {
            linux["seccomp"] = new JsonObject
            {
                ["defaultAction"] = "SCMP_ACT_ALLOW",
                ["architectures"] = new JsonArray(SeccompFilter.Table.OciArchitecture),
                ["syscalls"] = new JsonArray(new JsonObject
                {
                    ["names"] = new JsonArray(SeccompFilter.Table.Denied.Select(d => (JsonNode)d.Name).Append("socket").ToArray()),
                    ["action"] = "SCMP_ACT_ERRNO",
                    ["errnoRet"] = 1,
                }),
            };
        }

        JsonArray Empty() => [];
        return new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["user"] = new JsonObject { ["uid"] = 65534, ["gid"] = 65534 },
                ["args"] = new JsonArray(args.Select(a => (JsonNode)a).ToArray()),
                ["env"] = new JsonArray(environment.Select(p => (JsonNode)(p.Key + "=" + p.Value)).ToArray()),
                ["cwd"] = ContainedLaunch.Scratch,
                ["rlimits"] = new JsonArray(Rlimit("RLIMIT_NPROC", options.MaxTasks)),
                ["capabilities"] = new JsonObject { ["bounding"] = Empty(), ["effective"] = Empty(), ["inheritable"] = Empty(), ["permitted"] = Empty(), ["ambient"] = Empty() },
                ["noNewPrivileges"] = true,
            },
            ["root"] = new JsonObject { ["path"] = rootfs, ["readonly"] = true },
            ["hostname"] = "contained",
            ["mounts"] = mounts,
            ["linux"] = linux,
        };
    }

    // The agent's tasks (threads and processes of uid 65534, which holds no capability) are the Sentry's, counted by
    // its RLIMIT_NPROC: the host's pids.max sees only gVisor's own threads.
    private static JsonObject Rlimit(string type, long value) => new() { ["type"] = type, ["hard"] = value, ["soft"] = value };

    /// <summary>Writes the empty, read-only root into <paramref name="folder"/> and returns it: the mount points of the
    /// binds and of <c>/proc</c>, <c>/dev</c>, <c>/tmp</c>, and the merged-<c>/usr</c> links.</summary>
    internal static string BuildRoot(string folder, IReadOnlyList<(string Path, string? Link)> paths)
    {
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                         UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        foreach (var name in new[] { "proc", "dev", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
        }

        foreach (var (path, link) in paths)
        {
            var inRoot = Path.Combine(folder, path.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(inRoot)!);
            if (link is not null)
            {
                File.CreateSymbolicLink(inRoot, link);
            }
            else if (Directory.Exists(path))
            {
                Directory.CreateDirectory(inRoot);
            }
            else
            {
                File.WriteAllBytes(inRoot, []);
            }
        }

        return folder;
    }

    private static void Delete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>One worker's cgroup and bundle folder.</summary>
    private sealed class Sandbox(WorkerCgroup? cgroup, string folder) : IWorkerConfinement
    {
        public void Kill() => cgroup?.Kill();

        public void Dispose()
        {
            cgroup?.Dispose();
            Delete(folder);
        }
    }
}
