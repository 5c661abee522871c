namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        object boxed = new int[4];
        var s = System.Runtime.CompilerServices.Unsafe.As<string>(boxed); // expect HA0001 System.Runtime.CompilerServices.Unsafe.As
        return s;
    }
}
