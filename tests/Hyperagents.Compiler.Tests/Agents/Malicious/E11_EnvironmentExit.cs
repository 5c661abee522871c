namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        Environment.Exit(0); // expect HA0001 System.Environment.Exit(int)
        return "";
    }
}
