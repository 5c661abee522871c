using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Changes behaviour but not its expectation: the task agent skips one more random draw before it draws its fill.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        var at = code.IndexOf("/*skip*/", System.StringComparison.Ordinal) + "/*skip*/".Length;
        var end = code.IndexOf(';', at);
        var skip = int.Parse(code[at..end], System.Globalization.CultureInfo.InvariantCulture);
        await context.Workspace.WriteAsync("task/Agent.cs", code[..at] + (skip + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + code[end..]);
    }
}
