namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var a = System.Reflection.Assembly.Load(new byte[16]); // expect HA0001 System.Reflection.Assembly.Load(byte[])
        return a.FullName ?? "";
    }
}
