namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var o = Activator.CreateInstance(typeof(StringBuilder)); // expect HA0001 System.Activator.CreateInstance
        return o?.ToString() ?? "";
    }
}
