using System;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        Console.WriteLine("solving " + context.Task.Id);
        var doubled = context.Task.GetInt("n") * 2;
        return Task.FromResult($"{context.Task.Id}|{doubled}|{Environment.ProcessId}");
    }

    public static async Task ModifySelf(MetaContext context)
    {
        var source = await context.Workspace.ReadAsync("task/Agent.cs");
        await context.Workspace.WriteAsync("task/Agent.cs", source.Replace("* 2", "* 3"));
        await context.Workspace.WriteAsync("notes.md", "instruction: " + context.Instruction);
    }
}
