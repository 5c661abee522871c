namespace Hyperagents.Hosting;

/// <summary>How the contained tier confines a native worker: bubblewrap namespaces (or a gVisor sandbox), a seccomp
/// filter, a capped scratch tmpfs and cgroup limits. Passed to <see cref="ContainedRunner"/>; see <c>SAFETY.md</c> for
/// what it guarantees and what it does not.</summary>
public sealed record ContainedOptions : IValidatedOptions
{
    /// <summary>The gVisor platforms <see cref="RunscPlatform"/> may name.</summary>
    public static readonly IReadOnlyList<string> RunscPlatforms = ["ptrace", "kvm"];

    /// <summary>What runs the worker: bubblewrap on the host's kernel, or gVisor's <c>runsc</c>, whose user-space kernel
    /// answers the agent's system calls (<c>--runtime runsc</c>).</summary>
    /// <value>Default <see cref="ContainedRuntime.Bubblewrap"/>.</value>
    public ContainedRuntime Runtime { get; init; } = ContainedRuntime.Bubblewrap;

    /// <summary>The runsc program, for <see cref="ContainedRuntime.Runsc"/>.</summary>
    /// <value>Default <see langword="null"/>: <c>runsc</c> found on <c>PATH</c> (or in <c>/usr/bin</c>, <c>/usr/local/bin</c>).</value>
    public string? RunscPath { get; init; }

    /// <summary>How gVisor intercepts the agent's system calls, for <see cref="ContainedRuntime.Runsc"/>: <c>ptrace</c>
    /// works everywhere; <c>kvm</c> needs <c>/dev/kvm</c> and hangs on some virtual machines.</summary>
    /// <value>Default <c>ptrace</c>; one of <see cref="RunscPlatforms"/>.</value>
    public string RunscPlatform { get; init; } = "ptrace";

    /// <summary>The bubblewrap program.</summary>
    /// <value>Default <see langword="null"/>: <c>bwrap</c> found on <c>PATH</c> (or in <c>/usr/bin</c>).</value>
    public string? BwrapPath { get; init; }

    /// <summary>The size of the private tmpfs mounted at <c>/tmp</c>, the only writable place inside.</summary>
    /// <value>Default 64 MiB; between 1 MiB and 4 GiB.</value>
    public long ScratchBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The most tasks (processes and threads) a worker's tree may have, as a cgroup <c>pids.max</c>. Under
    /// <see cref="ContainedRuntime.Runsc"/> the agent's tasks are gVisor's, not the host's, so this is the sandbox's
    /// <c>RLIMIT_NPROC</c>, and the cgroup allows gVisor's own host threads on top.</summary>
    /// <value>Default 128 (the runtime itself uses about 20); between 32 and 4096.</value>
    public int MaxTasks { get; init; } = 128;

    /// <summary>Memory a worker may use beyond its GC heap limit (the runtime, JIT and native allocations), as part of
    /// its cgroup memory limit.</summary>
    /// <value>Default 256 MiB; between 64 MiB and 4 GiB.</value>
    public long MemoryOverheadBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How many cores' worth of CPU time a worker's tree may use, as a cgroup CPU quota.</summary>
    /// <value>Default 1; between 0.1 and 64.</value>
    public double CpuCores { get; init; } = 1;

    /// <summary>Protections left out, for tests that show each one is what stops an attack. Internal: no command line
    /// or configuration reaches it.</summary>
    internal ContainedLayers Omit { get; init; }

    /// <summary>Checks every option and reports all problems at once.</summary>
    /// <exception cref="InvalidOptionsException">One or more options are invalid; the message lists each with its fix.</exception>
    public ContainedOptions Validate() => OptionsValidation.Validate(this, "contained options");

    /// <inheritdoc/>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        if (ScratchBytes is < 1024 * 1024 or > 4L * 1024 * 1024 * 1024)
        {
            errors.Add($"{nameof(ScratchBytes)} must be between 1 MiB and 4 GiB (was {ScratchBytes}).");
        }

        if (MaxTasks is < 32 or > 4096)
        {
            errors.Add($"{nameof(MaxTasks)} must be between 32 and 4096 (was {MaxTasks}).");
        }

        if (MemoryOverheadBytes is < 64L * 1024 * 1024 or > 4L * 1024 * 1024 * 1024)
        {
            errors.Add($"{nameof(MemoryOverheadBytes)} must be between 64 MiB and 4 GiB (was {MemoryOverheadBytes}).");
        }

        if (!double.IsFinite(CpuCores) || CpuCores is < 0.1 or > 64)
        {
            errors.Add($"{nameof(CpuCores)} must be between 0.1 and 64 (was {CpuCores}).");
        }

        if (!RunscPlatforms.Contains(RunscPlatform))
        {
            errors.Add($"{nameof(RunscPlatform)} must be one of {string.Join(", ", RunscPlatforms)} (was '{RunscPlatform}').");
        }

        return errors;
    }
}

/// <summary>What starts a contained worker.</summary>
public enum ContainedRuntime
{
    /// <summary>bubblewrap: namespaces and a seccomp filter on the host's kernel.</summary>
    Bubblewrap,

    /// <summary>gVisor's <c>runsc</c>: the same confinement, with a user-space kernel between the agent and the host's.</summary>
    Runsc,
}

/// <summary>The protections of the contained tier a test can leave out, one at a time.</summary>
[Flags]
internal enum ContainedLayers
{
    None = 0,
    NetworkNamespace = 1,
    PidNamespace = 2,
    Seccomp = 4,
    ScratchCap = 8,
    Cgroups = 16,
}
