using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Leaves a child that shrinks its circles to almost nothing and claims a perfect score everywhere it can:
/// inside its answer.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        code = code.Replace("/*@range(0.5, 1.0)*/ 0.9", "0.01")
                   .Replace("return Task.FromResult(sb.Append(\"]}\").ToString());",
                            "return Task.FromResult(sb.Append(\"],\\\"score\\\":1.0}\").ToString());");
        await context.Workspace.WriteAsync("task/Agent.cs", code);
    }
}
