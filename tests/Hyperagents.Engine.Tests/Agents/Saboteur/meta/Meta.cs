using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Edits the task agent, and replaces itself in the child with a meta agent that throws: the child is a
/// fine task agent but a broken parent.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", code + "// edit " + context.Random.NextUInt64() + "\n");
        await context.Workspace.WriteAsync("meta/Meta.cs",
            "using System; using System.Threading.Tasks; using Hyperagents; namespace Test.Meta; " +
            "public static class MetaAgent { public static Task ModifySelf(MetaContext context) => throw new InvalidOperationException(\"sabotaged\"); }\n");
    }
}
