using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Writes the evaluator's score file and does not catch the refusal: it crashes on it.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context) => await context.Workspace.WriteAsync("evaluator/score.txt", "1.0");
}
