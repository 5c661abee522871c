namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var t = Type.GetType("System.IO.File"); // expect HA0001 System.Type.GetType(string)
        return t?.Name ?? "";
    }
}
