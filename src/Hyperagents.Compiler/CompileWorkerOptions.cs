using Hyperagents.Hosting;

namespace Hyperagents.Compiler;

/// <summary>How an <see cref="AgentCompiler"/> compiles out of process: in compile workers, the <c>hyperagents</c>
/// program's hidden <c>worker compile</c> command, each with a GC heap hard limit. Validated once by
/// <see cref="Validate"/>.</summary>
/// <remarks>A worker is started on first use and kept warm (Roslyn's metadata and the parsed-file cache stay loaded);
/// one that ran out of memory, crashed, broke the protocol or was cancelled is killed and replaced.</remarks>
public sealed record CompileWorkerOptions
{
    /// <summary>How worker processes are started: program, leading arguments ending with the hidden <c>worker</c>
    /// command (the compile worker adds <c>compile</c>), inherited environment, start timeout and kill grace. The native
    /// runner's launch options, so both kinds of worker start the same way; their pool and call settings are not used
    /// here.</summary>
    public required NativeRunnerOptions Launch { get; init; }

    /// <summary>The GC heap hard limit of each compile worker (<c>DOTNET_GCHeapHardLimit</c>). A compile that needs more
    /// is rejected with <see cref="DiagnosticIds.CompileMemoryLimit"/>.</summary>
    /// <value>Default 1 GiB; between 128 MiB and 16 GiB.</value>
    public long MemoryBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>How many compiles may run at the same time, each in its own worker.</summary>
    /// <value>Default 2; between 1 and 16.</value>
    public int MaxWorkers { get; init; } = 2;

    /// <summary>The largest compiled image a worker may return; a larger one is rejected with
    /// <see cref="DiagnosticIds.CompileMemoryLimit"/>.</summary>
    /// <value>Default 16 MiB; between 1 MiB and 256 MiB.</value>
    public int MaxImageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Checks every option and reports all problems at once.</summary>
    /// <exception cref="ArgumentException">One or more options are invalid; the message lists each with its fix.</exception>
    public CompileWorkerOptions Validate()
    {
        var errors = new List<string>();
        if (Launch is null)
        {
            errors.Add($"  - {nameof(Launch)} must say how to start the hyperagents program's worker command.");
        }
        else
        {
            try
            {
                Launch.Validate();
            }
            catch (ArgumentException ex)
            {
                errors.Add($"  - {nameof(Launch)}: {ex.Message}");
            }
        }

        Check(MemoryBytes is >= 128L * 1024 * 1024 and <= 16L * 1024 * 1024 * 1024, $"{nameof(MemoryBytes)} must be between 128 MiB and 16 GiB (was {MemoryBytes}).");
        Check(MaxWorkers is >= 1 and <= 16, $"{nameof(MaxWorkers)} must be between 1 and 16 (was {MaxWorkers}).");
        Check(MaxImageBytes is >= 1024 * 1024 and <= 256 * 1024 * 1024, $"{nameof(MaxImageBytes)} must be between 1 MiB and 256 MiB (was {MaxImageBytes}).");
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid compile worker options:" + Environment.NewLine + string.Join(Environment.NewLine, errors));

        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add("  - " + message);
            }
        }
    }
}
