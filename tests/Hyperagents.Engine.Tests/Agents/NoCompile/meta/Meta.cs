using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Leaves a child that does not compile.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context) =>
        await context.Workspace.WriteAsync("task/Broken.cs", "public static class Broken { public static int F() => undefinedName; }\n");
}
