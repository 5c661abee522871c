namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var timer = new System.Threading.Timer(_ => { }, null, 0, 1); // expect HA0001 System.Threading.Timer
        return timer.ToString() ?? "";
    }
}
