// R11: threads, the thread pool and timers; none may outlive the call.
using System;
using System.Threading;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        string thread;
        try
        {
            new Thread(() => { while (true) { } }).Start();
            thread = "thread-started";
        }
        catch (Exception ex)
        {
            thread = ex.GetType().Name;
        }

        ThreadPool.QueueUserWorkItem(_ => { while (true) { Console.WriteLine("pool-still-running"); } });
        _ = Task.Run(() => { while (true) { Console.WriteLine("task-still-running"); } });
        var timer = new Timer(_ => Console.WriteLine("timer-fired"), null, 0, 1);
        GC.KeepAlive(timer);
        return Task.FromResult("spawned:" + thread);
    }
}
