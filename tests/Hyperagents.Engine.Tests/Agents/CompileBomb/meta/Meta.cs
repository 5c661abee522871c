using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Leaves a child whose compile folds a one-billion-character constant (26 doublings of a const string, R14).</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var code = "public static class Bomb\n{\n    public const string S0 = \"0123456789abcdef\";\n";
        for (var i = 1; i <= 26; i++)
        {
            code += "    public const string S" + i + " = S" + (i - 1) + " + S" + (i - 1) + ";\n";
        }

        await context.Workspace.WriteAsync("task/Bomb.cs", code + "}\n");
    }
}
