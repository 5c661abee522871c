namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return string.Join(",", Doubled(null!));
    }

    private static IEnumerable<int> Doubled(IQueryable<int> source) =>
        from x in source select x * 2; // expect HA0001 System.Linq.Queryable.Select; HA0001 System.Linq.Expressions.Expression
}
