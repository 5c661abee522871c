namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var d = System.Runtime.InteropServices.Marshal.GetDelegateForFunctionPointer<Func<int>>(IntPtr.Zero); // expect HA0001 System.Runtime.InteropServices.Marshal.GetDelegateForFunctionPointer
        return d().ToString();
    }
}
