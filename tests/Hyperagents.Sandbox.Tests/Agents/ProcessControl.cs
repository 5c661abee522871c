// E11: end the process early, hoping that counts as success.
using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        switch (context.Task.Parameters["mode"])
        {
            case "exit":
                Environment.Exit(0);
                break;
            case "failfast":
                Environment.FailFast("bye");
                break;
            case "setout":
                Console.SetOut(System.IO.TextWriter.Null);
                AppContext.SetSwitch("System.Globalization.Invariant", false);
                break;
        }

        return Task.FromResult("still here");
    }
}
