// compiler-errors: CS8795
namespace Malicious;

public static partial class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return getpid().ToString();
    }

    [System.Runtime.InteropServices.LibraryImport("libc")] // expect HA0002 System.Runtime.InteropServices.LibraryImportAttribute
    private static partial int getpid();
}
