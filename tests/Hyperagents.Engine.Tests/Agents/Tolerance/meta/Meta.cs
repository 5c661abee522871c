using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Sets the task agent's Offset to NEW_OFFSET (the test chooses it: inside the dataset's tolerance, or 0).</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", code.Replace("Offset = 1e-3;", "Offset = NEW_OFFSET;", System.StringComparison.Ordinal));
    }
}
