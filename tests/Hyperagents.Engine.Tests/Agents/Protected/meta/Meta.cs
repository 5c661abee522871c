using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Tries to write the evaluator's score file, the archive's own folder, names git refuses (an 8.3 short name
/// of .git, .git with a zero-width character) and a build file in a sub-folder, then makes a normal edit.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        foreach (var path in new[] { "eval/score.txt", ".hyperagent/x", "GIT~1/config", ".git\u200C/config", "task/Directory.Build.props", "task/\uFF45\uFF56\uFF41\uFF4C/x.cs" })
        {
            try
            {
                await context.Workspace.WriteAsync(path, "1.0");
            }
            catch (HostCallException)
            {
                // Refused, as it must be; the attempt is still recorded by the host.
            }
        }

        var code = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", code + "// sneaky\n");
    }
}
