namespace Hyperagents.Hosting;

/// <summary>Limits of one entry-point call. Validated once by <see cref="Validate"/>.</summary>
public sealed record RunLimits : IValidatedOptions
{
    /// <summary>Wall-clock deadline of the call.</summary>
    /// <value>Default 10 s; between 10 ms and 1 h.</value>
    public TimeSpan WallClock { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deterministic instruction budget in the sandbox (Wasmtime fuel). Ignored in native mode.</summary>
    /// <value>Default 20 billion; at least 1 million.</value>
    public long Fuel { get; init; } = 20_000_000_000;

    /// <summary>Memory cap of the isolate (linear memory in the sandbox, GC heap hard limit in a native worker).</summary>
    /// <value>Default 512 MiB; between 64 MiB and 4 GiB.</value>
    public long MemoryBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Cap of the agent's captured console output; the rest is dropped and counted.</summary>
    /// <value>Default 64 KiB; between 0 and 16 MiB.</value>
    public int MaxOutputBytes { get; init; } = 64 * 1024;

    /// <summary>Cap of one capability request or reply, and of the answer.</summary>
    /// <value>Default 4 MiB; between 1 KiB and 64 MiB.</value>
    public int MaxMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Cap on the number of capability requests in one call.</summary>
    /// <value>Default 10,000; at least 1.</value>
    public int MaxHostCalls { get; init; } = 10_000;

    /// <summary>Checks every bound and reports all violations at once (<see cref="GetErrors"/>).</summary>
    /// <exception cref="InvalidOptionsException">One or more limits are out of bounds; the message lists each.</exception>
    public RunLimits Validate() => OptionsValidation.Validate(this, "run limits");

    /// <inheritdoc/>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        Check(WallClock >= TimeSpan.FromMilliseconds(10) && WallClock <= TimeSpan.FromHours(1), $"{nameof(WallClock)} must be between 10 ms and 1 h (was {WallClock}).");
        Check(Fuel >= 1_000_000, $"{nameof(Fuel)} must be at least 1,000,000 (was {Fuel}).");
        Check(MemoryBytes is >= 64L * 1024 * 1024 and <= 4L * 1024 * 1024 * 1024, $"{nameof(MemoryBytes)} must be between 64 MiB and 4 GiB (was {MemoryBytes}).");
        Check(MaxOutputBytes is >= 0 and <= 16 * 1024 * 1024, $"{nameof(MaxOutputBytes)} must be between 0 and 16 MiB (was {MaxOutputBytes}).");
        Check(MaxMessageBytes is >= 1024 and <= 64 * 1024 * 1024, $"{nameof(MaxMessageBytes)} must be between 1 KiB and 64 MiB (was {MaxMessageBytes}).");
        Check(MaxHostCalls >= 1, $"{nameof(MaxHostCalls)} must be at least 1 (was {MaxHostCalls}).");
        return errors;

        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }
    }
}
