namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var alc = System.Runtime.Loader.AssemblyLoadContext.Default; // expect HA0001 System.Runtime.Loader.AssemblyLoadContext.Default
        return alc.Name ?? "";
    }
}
