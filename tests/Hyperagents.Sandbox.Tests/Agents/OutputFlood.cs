// R12: flood stdout and stderr with terminal escape sequences.
using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        var line = "\u001b[2J\u001b[31mFLOOD\u0007\r" + new string('x', 1000);
        for (var i = 0; i < 2_000; i++)
        {
            Console.Out.WriteLine(line);
            Console.Error.WriteLine(line);
        }

        return Task.FromResult("flooded");
    }
}
