// compiler-errors: CS0214
namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        delegate*<int> f = &Answer; // expect HA0003 delegate*
        return f().ToString(); // expect HA0003 function pointer
    }

    private static int Answer() => 42;
}
