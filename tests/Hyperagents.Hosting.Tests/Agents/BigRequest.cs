using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        string code;
        try
        {
            await context.Log.InfoAsync(new string('x', 64 * 1024));
            code = "accepted";
        }
        catch (HostCallException ex)
        {
            code = ex.Code;
        }

        await context.Log.InfoAsync("after");
        return code + "|after-ok";
    }
}
