using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Down(context.Task.GetInt("n")).ToString());

    private static long Down(long n) => Down(n + 1) + 1;
}
