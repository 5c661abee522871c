// Factories and lookups driven by a runtime Type: arrays of any type, attribute instances of any member.
namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run(context));

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run(TaskContext context)
    {
        var array = Array.CreateInstance(context.GetType(), 1); // expect HA0001 System.Array.CreateInstance
        var attributes = Attribute.GetCustomAttributes(context.GetType().Assembly); // expect HA0001 System.Attribute.GetCustomAttributes
        return array.Length + ":" + attributes.Length;
    }
}
