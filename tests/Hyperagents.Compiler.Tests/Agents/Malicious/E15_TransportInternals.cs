namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return Hyperagents.Transport.Capabilities.All.Count.ToString(); // expect HA0001 Hyperagents.Transport.Capabilities.All
    }
}
