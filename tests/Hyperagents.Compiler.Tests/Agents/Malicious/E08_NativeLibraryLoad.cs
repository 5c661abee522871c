namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var h = System.Runtime.InteropServices.NativeLibrary.Load("libc.so.6"); // expect HA0001 System.Runtime.InteropServices.NativeLibrary.Load(string)
        return h.ToString();
    }
}
