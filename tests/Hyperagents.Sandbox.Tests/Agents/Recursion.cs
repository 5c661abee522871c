// R5: unbounded recursion.
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Down(0).ToString());

    private static long Down(long depth) => Down(depth + 1) + 1;
}
