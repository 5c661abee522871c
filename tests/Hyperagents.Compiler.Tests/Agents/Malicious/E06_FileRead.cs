namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return System.IO.File.ReadAllText("/etc/passwd"); // expect HA0001 System.IO.File.ReadAllText(string)
    }
}
