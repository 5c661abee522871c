namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        System.Diagnostics.Process.Start("/bin/sh", "-c true"); // expect HA0001 System.Diagnostics.Process.Start
        return "";
    }
}
