using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    // A handler on a process-wide event roots this assembly's load context after the call.
    public static Task<string> SolveTask(TaskContext context)
    {
        AppDomain.CurrentDomain.ProcessExit += OnExit;
        return Task.FromResult("leaked");
    }

    private static void OnExit(object? sender, EventArgs e)
    {
    }
}
