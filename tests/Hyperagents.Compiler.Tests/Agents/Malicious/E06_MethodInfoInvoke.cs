namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var m = typeof(string).GetMethod("Concat", [typeof(string), typeof(string)]); // expect HA0001 System.Type.GetMethod
        return (string)m!.Invoke(null, ["a", "b"])!; // expect HA0001 System.Reflection.MethodBase.Invoke
    }
}
