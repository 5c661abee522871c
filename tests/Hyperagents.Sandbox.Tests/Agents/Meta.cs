// ModifySelf through the channel: read, rewrite and add workspace files.
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult("meta agent");

    public static async Task ModifySelf(MetaContext context)
    {
        var source = await context.Workspace.ReadAsync("Agent.cs");
        await context.Workspace.WriteAsync("Agent.cs", source + "\n// modified: " + context.Instruction);
        await context.Workspace.WriteAsync("Notes.md", "seed " + context.Random.NextInt(1000));
    }
}
