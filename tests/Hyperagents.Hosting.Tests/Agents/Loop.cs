using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        // A child process of its own, to check that the whole tree dies at the deadline.
        var child = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        await context.Log.InfoAsync($"pids:{Environment.ProcessId}:{child.Id}");
        while (true)
        {
        }
    }
}
