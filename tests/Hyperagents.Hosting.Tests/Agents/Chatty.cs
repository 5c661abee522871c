using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                await context.Log.InfoAsync("line " + i);
            }
            catch (HostCallException)
            {
            }
        }

        return "all logged";
    }
}
