using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        await context.Log.InfoAsync("hello from the sandbox");
        System.Console.WriteLine("stdout line");
        return "answer:" + context.Task.GetInt("n") * 2;
    }
}
