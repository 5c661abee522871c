// I4: read every clock and random source the runtime offers; wait on timers.
using System;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        var utc = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromHours(1));
        await Task.Yield();
        var waited = watch.Elapsed;
        var bytes = new byte[8];
        RandomNumberGenerator.Fill(bytes);
        return string.Join(";",
            "utc=" + utc.ToString("O"),
            "waited=" + (waited >= TimeSpan.FromHours(1)),
            "rng=" + Convert.ToHexString(bytes),
            "random=" + new Random().Next(),
            "guid=" + Guid.NewGuid(),
            "hash=" + "abc".GetHashCode(),
            "tick=" + Environment.TickCount64);
    }
}
