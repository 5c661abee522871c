namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        AppContext.SetSwitch("x", true); // expect HA0001 System.AppContext.SetSwitch
        GC.Collect(); // expect HA0001 System.GC.Collect()
        return "";
    }
}
