// R6: allocate until something gives: large arrays and string doubling, kept alive.
using System.Collections.Generic;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        var keep = new List<object>();
        var s = "xxxxxxxxxxxxxxxx";
        while (true)
        {
            keep.Add(new byte[8 * 1024 * 1024]);
            if (s.Length < 64 * 1024 * 1024)
            {
                s += s;
                keep.Add(s);
            }
        }
    }
}
