namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var p = System.Runtime.InteropServices.Marshal.AllocHGlobal(16); // expect HA0001 System.Runtime.InteropServices.Marshal.AllocHGlobal(int)
        return p.ToString();
    }
}
