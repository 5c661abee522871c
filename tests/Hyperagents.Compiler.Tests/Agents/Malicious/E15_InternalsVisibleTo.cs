[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Hyperagents.Hosting")] // expect HA0002 System.Runtime.CompilerServices.InternalsVisibleToAttribute

namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return "";
    }
}
