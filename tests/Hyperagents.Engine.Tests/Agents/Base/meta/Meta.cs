using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Makes a harmless, always-different edit: a comment with a random number at the end of the task agent.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", code + "// edit " + context.Random.NextUInt64() + "\n");
    }
}
