// compiler-errors: CS0656
namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        dynamic d = "text"; // expect HA0006 dynamic
        return d.ToUpperInvariant();
    }
}
