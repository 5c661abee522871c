namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        System.Linq.Expressions.Expression<Func<int>> e = () => 42; // expect HA0001 System.Linq.Expressions.Expression
        return e.Compile()().ToString(); // expect HA0001 System.Linq.Expressions.Expression<TDelegate>.Compile()
    }
}
