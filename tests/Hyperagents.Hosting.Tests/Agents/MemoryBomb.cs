using System.Collections.Generic;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        var hoard = new List<byte[]>();
        while (true)
        {
            var block = new byte[8 * 1024 * 1024];
            block[block.Length - 1] = 1;
            hoard.Add(block);
            if (hoard.Count > 100_000)
            {
                return Task.FromResult("never");
            }
        }
    }
}
