// R15: burn wall clock without doing work: sleep, spin, block on a wait handle.
using System.Threading;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        switch (context.Task.Parameters["mode"])
        {
            case "sleep":
                Thread.Sleep(600_000);
                break;
            case "wait":
                new ManualResetEventSlim(false).Wait(600_000);
                break;
            default:
                SpinWait.SpinUntil(() => false, 600_000);
                break;
        }

        return Task.FromResult("woke up");
    }
}
