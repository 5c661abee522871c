using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Hyperagents.Hosting;

/// <summary>Whether the contained tier can run on this machine, and why not: for <c>hyperagents doctor</c> and for a clear
/// error before a contained runner starts its first worker.</summary>
/// <param name="Available">Whether contained workers can start.</param>
/// <param name="Detail">One line: what confines the workers, or what is missing and how to fix it.</param>
/// <param name="Bwrap">The bubblewrap program found, if any.</param>
/// <param name="Cgroups">Whether cgroup limits (memory, tasks, CPU) apply, with the mechanism or the reason they do not;
/// without them workers still run, under rlimits and the GC heap limit only.</param>
/// <param name="Runsc">The runsc program found, if any, for <see cref="ContainedRuntime.Runsc"/>.</param>
public sealed record ContainedAvailability(bool Available, string Detail, string? Bwrap, (bool Available, string Detail) Cgroups, string? Runsc = null)
{
    private static readonly Lazy<(string? Bwrap, string? Problem)> Namespaces = new(ProbeNamespaces);
    private static readonly ConcurrentDictionary<(string? Path, string Platform), Lazy<(string? Runsc, string Detail, bool Available)>> Sandboxes = new();

    /// <summary>The bubblewrap package's name, for messages.</summary>
    public const string InstallHint = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap)";

    /// <summary>How to install gVisor's runsc, for messages.</summary>
    public const string RunscInstallHint = "install gVisor's runsc (Debian/Ubuntu: sudo apt-get install runsc; elsewhere see gvisor.dev/docs/user_guide/install)";

    /// <summary>Checks this machine once per runtime and runsc platform (later calls reuse the answer): Linux on x86-64 or
    /// aarch64 (the architectures the seccomp filter has tables for), then for bubblewrap that it is present and user,
    /// pid and network namespaces are usable, for runsc that it is present and runs a trivial sandbox; and cgroups.</summary>
    /// <param name="options">The contained options (the runtime, the bubblewrap or runsc path, the runsc platform).</param>
    public static ContainedAvailability Check(ContainedOptions? options = null)
    {
        var cgroups = Contained.WorkerCgroup.Probe();
        if (!Contained.SeccompFilter.Supported)
        {
            return new(false, Contained.SeccompFilter.UnsupportedMessage(RuntimeInformation.ProcessArchitecture), null, cgroups);
        }

        var limits = cgroups.Available ? cgroups.Detail : $"no cgroup limits ({cgroups.Detail}): rlimits and the GC heap limit only";
        if (options?.Runtime == ContainedRuntime.Runsc)
        {
            var sandbox = Sandboxes.GetOrAdd((options.RunscPath, options.RunscPlatform), key => new(() => ProbeRunsc(key.Path, key.Platform))).Value;
            return new(sandbox.Available, sandbox.Available ? $"{sandbox.Detail}; {limits}" : sandbox.Detail, null, cgroups, sandbox.Runsc);
        }

        var (bwrap, problem) = options?.BwrapPath is { } explicitPath ? ProbeNamespaces(explicitPath) : Namespaces.Value;
        if (problem is not null)
        {
            return new(false, problem, bwrap, cgroups);
        }

        return new(true, $"bubblewrap {bwrap}: user, pid, network, mount, ipc and uts namespaces, seccomp, size-capped /tmp; {limits}", bwrap, cgroups);
    }

    private static (string? Bwrap, string? Problem) ProbeNamespaces() => ProbeNamespaces(null);

    private static (string? Bwrap, string? Problem) ProbeNamespaces(string? explicitPath)
    {
        var bwrap = explicitPath ?? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Select(d => Path.Combine(d, "bwrap")).FirstOrDefault(File.Exists);
        if (bwrap is null || !File.Exists(bwrap))
        {
            return (null, $"bubblewrap (bwrap) is not installed: {InstallHint}.");
        }

        // The namespaces the tier uses, in a throw-away sandbox that runs nothing but the loader check of 'true'.
        var start = new ProcessStartInfo(bwrap)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--disable-userns",
                     "--ro-bind", "/", "/", "--proc", "/proc", "--", "true"])
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return (bwrap, "bubblewrap did not finish a trivial sandbox within 30 s.");
            }

            var error = stderr.GetAwaiter().GetResult().Trim();
            return process.ExitCode == 0
                ? (bwrap, null)
                : (bwrap, $"bubblewrap cannot create user namespaces here ({(error.Length == 0 ? $"exit code {process.ExitCode}" : error.Split('\n')[0])}). " +
                          "Fix: allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0, " +
                          "or the AppArmor profile for bwrap), or run in a container that permits them; otherwise use --isolation sandbox.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (bwrap, $"bubblewrap at {bwrap} could not be started ({ex.Message}): {InstallHint}.");
        }
    }

    /// <summary>Finds runsc and runs <c>/usr/bin/true</c> in a sandbox built as a worker's is (network none, the OCI
    /// seccomp profile, read-only binds, the platform asked for), with a deadline: gVisor's kvm platform hangs on some
    /// virtual machines.</summary>
    private static (string? Runsc, string Detail, bool Available) ProbeRunsc(string? explicitPath, string platform)
    {
        var runsc = explicitPath ?? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin"]).Select(d => Path.Combine(d, "runsc")).FirstOrDefault(File.Exists);
        if (runsc is null || !File.Exists(runsc))
        {
            return (null, $"gVisor's runsc is not installed: {RunscInstallHint}.", false);
        }

        var folder = Directory.CreateTempSubdirectory("hyperagents-runsc-probe-").FullName;
        try
        {
            var program = Contained.ContainedLaunch.ResolveProgram("/usr/bin/true");
            var paths = Contained.ContainedLaunch.ReadOnlyPaths(program, [], Contained.ContainedLaunch.DotnetRoot()).ToList();
            var rootfs = Contained.RunscLaunch.BuildRoot(Path.Combine(folder, "rootfs"), paths);
            var environment = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = "/usr/bin:/bin" };
            File.WriteAllText(Path.Combine(folder, "config.json"),
                Contained.RunscLaunch.Config(rootfs, paths, [program], environment, new ContainedOptions { RunscPlatform = platform }).ToJsonString());
            var (exit, output) = Run(runsc, [.. Contained.RunscLaunch.GlobalFlags(Path.Combine(folder, "state"), new ContainedOptions { RunscPlatform = platform }), "run", "--bundle", folder, "hyperagents-probe-" + Guid.NewGuid().ToString("N")[..12]]);
            if (exit is null)
            {
                return (runsc, $"runsc ({runsc}) did not finish a trivial sandbox on its {platform} platform within 30 s" +
                               (platform == "kvm" ? " (the kvm platform hangs on some virtual machines: use the default, ptrace)." : "."), false);
            }

            if (exit != 0)
            {
                return (runsc, $"runsc ({runsc}) cannot run a sandbox here on its {platform} platform ({(output.Length == 0 ? $"exit code {exit}" : output.Split('\n')[^1])}). " +
                               "Fix: run as root or where runsc's rootless mode works, or use --isolation contained (bubblewrap) or sandbox.", false);
            }

            var version = Run(runsc, ["--version"]).Output.Split('\n')[0];
            return (runsc, $"gVisor {version} at {runsc}, platform {platform}: user-space kernel, network none, OCI seccomp, size-capped /tmp", true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return (runsc, $"runsc at {runsc} could not be started ({ex.Message}): {RunscInstallHint}.", false);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Runs a program with an environment of only <c>PATH</c>; a null exit code when it outlasted 30 s (then it
    /// and its tree are killed).</summary>
    private static (int? Exit, string Output) Run(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (null, string.Empty);
        }

        return (process.ExitCode, (stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult()).Trim());
    }
}
