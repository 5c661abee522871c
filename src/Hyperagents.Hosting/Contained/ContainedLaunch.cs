using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Hyperagents.Hosting.Contained;

/// <summary>Turns the start of a native worker into the start of a contained one: the same program and arguments, run by
/// bubblewrap in new user, pid, network, mount, ipc, uts and cgroup namespaces, with read-only binds of only the .NET
/// runtime, the system libraries and the worker's own files, a size-capped private tmpfs at <c>/tmp</c>, the host's
/// <c>/proc</c> replaced by the namespace's own, an empty environment plus the worker's allow-list, no capabilities, no
/// further user namespaces, the <see cref="SeccompFilter"/>, and a <see cref="WorkerCgroup"/> around the whole tree.</summary>
/// <remarks>
/// A small <c>/bin/sh</c> step joins the cgroup before <c>exec</c>ing bubblewrap (so no process of the tree ever runs
/// outside it) and opens the filter on descriptor 3 for <c>--seccomp 3</c> (.NET passes no other descriptor to a child).
/// bubblewrap's reaper is pid 1 of the new pid namespace: when the host kills the tree at the deadline, the kernel kills
/// every process left in the namespace with it, double-forked or not.
/// </remarks>
internal sealed class ContainedLaunch(ContainedOptions options) : IWorkerLauncher
{
    /// <summary>The folder the tree sees as its only writable place (the tmpfs) and its working directory.</summary>
    public const string Scratch = "/tmp";

    // Joins every cgroup folder given before "--", then replaces itself with the command after it, filter on fd 3.
    private const string JoinScript = "f=$1; shift; while [ \"$1\" != -- ]; do echo $$ > \"$1/cgroup.procs\" || exit 125; shift; done; shift; exec \"$@\" 3< \"$f\"";

    private static readonly Lazy<string> FilterFile = new(WriteFilter);

    /// <summary>Rewrites <paramref name="start"/> to run its program contained; the confinement is the worker's cgroup.</summary>
    /// <exception cref="InvalidOperationException">The tier is unavailable here; the message says why and how to fix it.</exception>
    public WorkerStart Wrap(ProcessStartInfo start, long memoryBytes)
    {
        var availability = ContainedAvailability.Check(options);
        if (!availability.Available)
        {
            throw new InvalidOperationException(availability.Detail);
        }

        var program = ResolveProgram(start.FileName);
        var arguments = start.ArgumentList.ToList();
        var dotnetRoot = DotnetRoot();
        var inside = InsideEnvironment(start, dotnetRoot);

        var omit = options.Omit;
        var bwrap = new List<string>
        {
            "--unshare-user", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--disable-userns", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL", "--hostname", "contained",
            "--die-with-parent", "--new-session", "--dev", "/dev",
        };
        bwrap.AddRange(omit.HasFlag(ContainedLayers.NetworkNamespace) ? [] : ["--unshare-net"]);
        bwrap.AddRange(omit.HasFlag(ContainedLayers.PidNamespace) ? ["--ro-bind", "/proc", "/proc"] : ["--unshare-pid", "--proc", "/proc"]);
        bwrap.AddRange(omit.HasFlag(ContainedLayers.ScratchCap) ? ["--tmpfs", Scratch] : ["--size", options.ScratchBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", Scratch]);
        foreach (var path in ReadOnlyPaths(program, arguments, dotnetRoot))
        {
            bwrap.AddRange(path.Link is { } target ? ["--symlink", target, path.Path] : ["--ro-bind", path.Path, path.Path]);
        }

        bwrap.AddRange(["--chdir", Scratch, "--clearenv"]);
        foreach (var (name, value) in inside)
        {
            bwrap.AddRange(["--setenv", name, value]);
        }

        bwrap.AddRange(omit.HasFlag(ContainedLayers.Seccomp) ? ["--", program] : ["--seccomp", "3", "--", program]);
        bwrap.AddRange(arguments);

        var cgroup = omit.HasFlag(ContainedLayers.Cgroups) ? null : WorkerCgroup.Create(memoryBytes + options.MemoryOverheadBytes, options.MaxTasks, options.CpuCores);
        start.FileName = "/bin/sh";
        start.ArgumentList.Clear();
        foreach (var argument in (string[])["-c", JoinScript, "hyperagents-contained", FilterFile.Value, .. cgroup?.Directories ?? [], "--", availability.Bwrap!, .. bwrap])
        {
            start.ArgumentList.Add(argument);
        }

        // What sh and bubblewrap themselves see: nothing of the host's but a PATH.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.WorkingDirectory = "/";
        return new WorkerStart(start, cgroup);
    }

    /// <summary>The folder of the .NET runtime running this process (<c>DOTNET_ROOT</c>).</summary>
    public static string DotnetRoot() =>
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    /// <summary>The environment the tree sees: the worker's own (already emptied and filled by the native runner), with
    /// host paths replaced (the scratch tmpfs is the temporary folder and home, the runtime is where it is).</summary>
    internal static SortedDictionary<string, string> InsideEnvironment(ProcessStartInfo start, string dotnetRoot)
    {
        var inside = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in start.Environment)
        {
            if (value is not null)
            {
                inside[name] = value;
            }
        }

        foreach (var name in new[] { "TMPDIR", "TMP", "TEMP", "HOME" })
        {
            inside[name] = Scratch;
        }

        inside["DOTNET_ROOT"] = dotnetRoot;
        inside["PATH"] = "/usr/bin:/bin";

        // The diagnostics server would listen on a socket, which the filter denies.
        inside["DOTNET_EnableDiagnostics"] = "0";
        return inside;
    }

    internal static string ResolveProgram(string fileName)
    {
        var path = fileName.Contains('/', StringComparison.Ordinal)
            ? fileName
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Select(d => Path.Combine(d, fileName)).FirstOrDefault(File.Exists) ?? fileName;
        return RealPath(Path.GetFullPath(path));
    }

    private static string RealPath(string path) =>
        File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName is { } target ? target : path;

    /// <summary>What the tree may read: the system libraries (the dynamic loader, libc, libstdc++, ICU), the .NET runtime,
    /// and the folders of the worker program and of a first argument that is a file (the CLI assembly). Merged-/usr links
    /// (<c>/lib → usr/lib</c>) are recreated as links.</summary>
    internal static IEnumerable<(string Path, string? Link)> ReadOnlyPaths(string program, IReadOnlyList<string> arguments, string dotnetRoot)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var system in new[] { "/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache" })
        {
            var info = new FileInfo(system);
            if (info.LinkTarget is { } target)
            {
                yield return (system, target);
            }
            else if (Directory.Exists(system) || File.Exists(system))
            {
                seen.Add(system);
                yield return (system, null);
            }
        }

        var folders = new List<string> { dotnetRoot, Path.GetDirectoryName(program)! };
        if (arguments.Count > 0 && File.Exists(arguments[0]))
        {
            folders.Add(Path.GetDirectoryName(RealPath(Path.GetFullPath(arguments[0])))!);
        }

        foreach (var folder in folders.Select(f => Path.TrimEndingDirectorySeparator(f)).Distinct(StringComparer.Ordinal))
        {
            if (!seen.Any(s => folder == s || folder.StartsWith(s + "/", StringComparison.Ordinal)) && seen.Add(folder))
            {
                yield return (folder, null);
            }
        }
    }

    private static string WriteFilter()
    {
        // A folder only this user can write (0700), so nobody can swap the filter between its writing and its use.
        var folder = Directory.CreateTempSubdirectory("hyperagents-contained-");
        var path = Path.Combine(folder.FullName, "seccomp.bpf");
        File.WriteAllBytes(path, SeccompFilter.Build());
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return path;
    }
}
