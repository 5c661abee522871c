// R13: burn fuel through host imports only (console writes, clock reads), forever.
using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        var big = new string('y', 64 * 1024);
        while (true)
        {
            Console.Out.Write(big);
            Console.Out.Flush();
            _ = Stopwatch.GetTimestamp();
        }
    }
}
