namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        Environment.FailFast("bye"); // expect HA0001 System.Environment.FailFast(string)
        return "";
    }
}
