using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>A real improvement: the grid's circles fill more of their cells (0.9 → 0.95), on every draw.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", code.Replace("*/ 0.9;", "*/ 0.95;", System.StringComparison.Ordinal));
    }
}
