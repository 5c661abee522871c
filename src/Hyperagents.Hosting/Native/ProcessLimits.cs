using System.Runtime.InteropServices;

namespace Hyperagents.Hosting.Native;

/// <summary>Operating-system limits a native worker sets on itself before it loads any agent code (Linux only):
/// defence in depth behind the capability gate, which already denies file, process and native-code APIs.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><description><c>PR_SET_NO_NEW_PRIVS</c>: nothing the worker starts can gain privileges (set-uid binaries,
/// file capabilities).</description></item>
/// <item><description>No core dumps (<c>RLIMIT_CORE</c> 0): a crashing agent leaves no image of the worker's memory on
/// disk.</description></item>
/// <item><description>Files written at most <see cref="MaxFileBytes"/> (<c>RLIMIT_FSIZE</c>).</description></item>
/// <item><description>At most <see cref="MaxOpenFiles"/> descriptors (<c>RLIMIT_NOFILE</c>).</description></item>
/// <item><description>Killed (<c>SIGKILL</c>) when the host dies (<c>PR_SET_PDEATHSIG</c>): a worker runs in a session of
/// its own, out of reach of a terminal's Ctrl+C and of a kill of the host's process group, so without this a worker
/// busy in a call (an evaluator or a compile does not read its pipe meanwhile) would outlive a host killed at once. The
/// host starts workers from one long-lived thread (<see cref="ProcessSpawner"/>), since Linux sends the signal when the
/// forking thread ends. A host that dies before the call never sends a job: the worker reads the end of its input and
/// exits.</description></item>
/// </list>
/// Not set: a CPU-time limit (the host's deadline kills the process tree) and an address-space limit (the .NET GC
/// reserves far more address space than it uses; <c>DOTNET_GCHeapHardLimit</c> bounds the heap instead).
/// A process-count limit is per user on Linux and counts threads, so it cannot be set for one worker.
/// </remarks>
internal static class ProcessLimits
{
    /// <summary>The largest file the worker may write.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    /// <summary>The most file descriptors the worker may hold.</summary>
    public const long MaxOpenFiles = 512;

    private const int RlimitFsize = 1;
    private const int RlimitNofile = 7;
    private const int RlimitCore = 4;
    private const int PrSetNoNewPrivs = 38;
    private const int PrSetPdeathsig = 1;
    private const int SigKill = 9;

    /// <summary>Applies the limits to this process.</summary>
    /// <returns>What could not be applied, one line each; empty when all were (always empty off Linux, where none is
    /// attempted).</returns>
    public static IReadOnlyList<string> Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var failures = new List<string>();
        if (prctl(PrSetNoNewPrivs, 1, 0, 0, 0) != 0)
        {
            failures.Add($"PR_SET_NO_NEW_PRIVS failed (errno {Marshal.GetLastPInvokeError()})");
        }

        if (prctl(PrSetPdeathsig, SigKill, 0, 0, 0) != 0)
        {
            failures.Add($"PR_SET_PDEATHSIG failed (errno {Marshal.GetLastPInvokeError()})");
        }

        foreach (var (resource, name, value) in new[] { (RlimitCore, "RLIMIT_CORE", 0L), (RlimitFsize, "RLIMIT_FSIZE", MaxFileBytes), (RlimitNofile, "RLIMIT_NOFILE", MaxOpenFiles) })
        {
            var limit = new RLimit { Current = (ulong)value, Maximum = (ulong)value };
            if (setrlimit(resource, ref limit) != 0)
            {
                failures.Add($"{name} = {value} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }

        return failures;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // DllImport (not LibraryImport, which needs unsafe code in this assembly): both signatures are blittable.
    [DllImport("libc", SetLastError = true)]
    private static extern int setrlimit(int resource, ref RLimit limit);

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
