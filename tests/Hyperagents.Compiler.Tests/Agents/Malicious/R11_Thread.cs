namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var t = new System.Threading.Thread(() => { }); // expect HA0001 System.Threading.Thread
        t.Start(); // expect HA0001 System.Threading.Thread.Start()
        return "";
    }
}
