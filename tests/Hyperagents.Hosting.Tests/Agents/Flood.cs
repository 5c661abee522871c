using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        Console.Write("\u001b[31mred\u001b[0m\u001b]0;owned\u0007\r\n");
        Console.Error.WriteLine("to stderr");
        for (var i = 0; i < 200_000; i++)
        {
            Console.Write("0123456789");
        }

        return Task.FromResult("flooded");
    }
}
