// R1: an endless loop with no calls in it.
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        long i = 0;
        while (true)
        {
            i++;
        }
    }
}
