namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return getpid().ToString();
    }

    [System.Runtime.InteropServices.DllImport("libc")] // expect HA0002 System.Runtime.InteropServices.DllImportAttribute
    private static extern int getpid(); // expect HA0003 Malicious.Agent.getpid()
}
