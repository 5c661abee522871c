namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var value = 42;
        var r = __makeref(value); // expect HA0001 System.TypedReference
        return __refvalue(r, int).ToString();
    }
}
