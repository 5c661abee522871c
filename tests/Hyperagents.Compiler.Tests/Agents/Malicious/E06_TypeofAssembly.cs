namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var asm = typeof(TaskContext).Assembly; // expect HA0001 System.Type.Assembly
        return asm.ToString();
    }
}
