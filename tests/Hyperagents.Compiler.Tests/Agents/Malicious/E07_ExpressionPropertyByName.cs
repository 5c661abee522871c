// Expression trees reach members by name and compile them into callable code.
using System.Linq.Expressions;

namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var caught = new InvalidOperationException();
        var body = Expression.Property(Expression.Constant(caught), "StackTrace"); // expect HA0001 System.Linq.Expressions.Expression.Property
        var read = Expression.Lambda<Func<string>>(body).Compile(); // expect HA0001 System.Linq.Expressions.Expression.Lambda
        return read();
    }
}
