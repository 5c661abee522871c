using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) =>
        throw new InvalidOperationException("boom " + context.Task.GetInt("n"));
}
