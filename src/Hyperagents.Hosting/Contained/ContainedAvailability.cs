using System.Diagnostics;

namespace Hyperagents.Hosting;

/// <summary>Whether the contained tier can run on this machine, and why not: for <c>hyperagents doctor</c> and for a clear
/// error before a contained runner starts its first worker.</summary>
/// <param name="Available">Whether contained workers can start.</param>
/// <param name="Detail">One line: what confines the workers, or what is missing and how to fix it.</param>
/// <param name="Bwrap">The bubblewrap program found, if any.</param>
/// <param name="Cgroups">Whether cgroup limits (memory, tasks, CPU) apply, with the mechanism or the reason they do not;
/// without them workers still run, under rlimits and the GC heap limit only.</param>
public sealed record ContainedAvailability(bool Available, string Detail, string? Bwrap, (bool Available, string Detail) Cgroups)
{
    private static readonly Lazy<(string? Bwrap, string? Problem)> Namespaces = new(ProbeNamespaces);

    /// <summary>The bubblewrap package's name, for messages.</summary>
    public const string InstallHint = "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap)";

    /// <summary>Checks this machine once (later calls reuse the answer): Linux on x86-64, bubblewrap present, user, pid
    /// and network namespaces usable, and cgroups.</summary>
    /// <param name="options">The contained options (the bubblewrap path).</param>
    public static ContainedAvailability Check(ContainedOptions? options = null)
    {
        var cgroups = Contained.WorkerCgroup.Probe();
        if (!Contained.SeccompFilter.Supported)
        {
            return new(false, "The contained tier needs Linux on x86-64 (its seccomp filter is built for that syscall table); use --isolation sandbox here.", null, cgroups);
        }

        var (bwrap, problem) = options?.BwrapPath is { } explicitPath ? ProbeNamespaces(explicitPath) : Namespaces.Value;
        if (problem is not null)
        {
            return new(false, problem, bwrap, cgroups);
        }

        var limits = cgroups.Available ? cgroups.Detail : $"no cgroup limits ({cgroups.Detail}): rlimits and the GC heap limit only";
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
}
