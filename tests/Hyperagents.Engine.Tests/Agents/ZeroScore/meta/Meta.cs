using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Leaves a child whose task agent answers nothing valid: it scores 0 on the staged task.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", code.Replace("var n = context.Task.GetInt(\"n\");", "var n = 0; context.Task.GetInt(\"n\");"));
    }
}
