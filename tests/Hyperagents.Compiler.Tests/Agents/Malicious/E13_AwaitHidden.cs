namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return "";
    }

    private static async Task<int> Later()
    {
        await Task.Delay(10); // expect HA0001 System.Threading.Tasks.Task.Delay(int)
        return 1;
    }
}
