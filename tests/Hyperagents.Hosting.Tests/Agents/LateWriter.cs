using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        await context.Log.InfoAsync("first");
        await context.Log.InfoAsync("second");
        return "late answer";
    }
}
