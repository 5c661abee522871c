using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        Environment.Exit(0);
        return Task.FromResult("unreachable");
    }
}
