// compiler-errors: CS0227
namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    [System.Runtime.CompilerServices.SkipLocalsInit] // expect HA0002 System.Runtime.CompilerServices.SkipLocalsInitAttribute
    private static string Run()
    {
        Span<byte> buffer = stackalloc byte[64];
        return buffer[3].ToString();
    }
}
