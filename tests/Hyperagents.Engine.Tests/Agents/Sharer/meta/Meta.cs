using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>A real regression: the grid's circles fill less of their cells (0.9 → 0.8), so a child's own answers differ
/// from (and score below) its parent's, and a shared answer shows in what it returns.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", code.Replace("*/ 0.9;", "*/ 0.8;", System.StringComparison.Ordinal));
    }
}
