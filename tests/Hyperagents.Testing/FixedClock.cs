namespace Hyperagents.Testing;

/// <summary>A clock that ticks one second per reading, from a fixed start: reproducible commit ids on every machine.</summary>
public sealed class FixedClock : TimeProvider
{
    private long _ticks;

    public override DateTimeOffset GetUtcNow() =>
        new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref _ticks));
}
