namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var dm = new System.Reflection.Emit.DynamicMethod("f", typeof(int), Type.EmptyTypes); // expect HA0001 System.Reflection.Emit.DynamicMethod
        return dm.Name;
    }
}
