// R13: a host call that the host takes too long to serve.
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        var budget = await context.Budget.GetAsync();
        return "budget:" + budget.WallSecondsLeft;
    }
}
