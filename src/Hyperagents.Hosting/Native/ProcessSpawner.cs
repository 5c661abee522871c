using System.Collections.Concurrent;
using System.Diagnostics;

namespace Hyperagents.Hosting.Native;

/// <summary>
/// Starts worker processes from one long-lived thread. Linux ties a child's parent-death signal (bubblewrap's
/// <c>--die-with-parent</c>, <c>PR_SET_PDEATHSIG</c>) to the thread that forked it, not to the process: a worker
/// started from a thread-pool thread is killed when the pool retires that thread, which it may do at any moment.
/// </summary>
internal static class ProcessSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Done)> Queue = new();

    static ProcessSpawner()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "hyperagents worker spawner" };
        thread.Start();
    }

    /// <summary>Starts <paramref name="start"/> on the spawner thread; throws what <see cref="Process.Start(ProcessStartInfo)"/> throws.</summary>
    public static Process Start(ProcessStartInfo start)
    {
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add((start, done));
        return done.Task.GetAwaiter().GetResult();
    }

    private static void Run()
    {
        foreach (var (start, done) in Queue.GetConsumingEnumerable())
        {
            try
            {
                done.SetResult(Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned no process."));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }
    }
}
