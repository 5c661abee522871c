// I10: keep working after the answer: host calls and output from continuations, the pool and timers.
using System;
using System.Threading;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        _ = LateAsync(context);
        _ = Task.Run(async () => { await context.Log.InfoAsync("late-from-pool"); Console.WriteLine("late-output"); });
        _ = new Timer(_ => { _ = context.Log.InfoAsync("late-from-timer"); }, null, 0, 1);
        return Task.FromResult("early answer");
    }

    private static async Task LateAsync(TaskContext context)
    {
        await Task.Yield();
        await context.Log.InfoAsync("late-after-yield");
        Console.WriteLine("late-output");
    }
}
