using System.Diagnostics;

namespace Hyperagents.Compiler;

/// <summary>The clocks a compile's time limit is measured with. The limit is CPU time of the compile work (a compile
/// worker's process, or this process when compiling in process), so a loaded machine, which stretches the wall clock of a
/// compile but not the work it does, cannot turn good code into a timeout. The wall clock is only a backstop, at
/// <see cref="StarvedFactor"/> times the limit; a compile stopped by it is reported as a busy machine, not as the code's
/// fault. Tests replace this with a stand-in whose clocks they drive.</summary>
internal class CompileClock
{
    /// <summary>How many times the limit the wall clock may run before a compile that has not used its CPU time is
    /// given up as starved.</summary>
    public const int StarvedFactor = 10;

    /// <summary>The real clocks.</summary>
    public static CompileClock System { get; } = new();

    /// <summary>A monotonic wall-clock reading.</summary>
    public virtual TimeSpan Wall() => Stopwatch.GetElapsedTime(0);

    /// <summary>The CPU time the compile has used so far, given what the process doing it reports.</summary>
    /// <param name="measured">The compile process's CPU time since the compile started.</param>
    public virtual TimeSpan Cpu(TimeSpan measured) => measured;

    /// <summary>Waits up to <paramref name="timeout"/> for the compile; whether it ended.</summary>
    /// <param name="compile">The compile.</param>
    /// <param name="timeout">The longest wait.</param>
    public virtual bool Wait(Task compile, TimeSpan timeout) => ((IAsyncResult)compile).AsyncWaitHandle.WaitOne(timeout);
}

/// <summary>The CPU time of one compile: the process doing the work binds its CPU clock when the work starts (the host
/// process for an in-process compile, the compile worker for an out-of-process one).</summary>
internal sealed class CompileMeter
{
    private Func<TimeSpan>? _source;
    private TimeSpan _start;

    /// <summary>This process's CPU time (all threads).</summary>
    public static TimeSpan ProcessCpu() => Environment.CpuUsage.TotalTime;

    /// <summary>Starts measuring with <paramref name="source"/>, a cumulative CPU clock of the process doing the compile.</summary>
    public void Bind(Func<TimeSpan> source)
    {
        _start = source();
        Volatile.Write(ref _source, source);
    }

    /// <summary>The CPU time used since <see cref="Bind"/>; zero before.</summary>
    public TimeSpan Used => Volatile.Read(ref _source) is { } source ? source() - _start : TimeSpan.Zero;
}
