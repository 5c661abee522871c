namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        System.Threading.ThreadPool.QueueUserWorkItem(_ => { }); // expect HA0001 System.Threading.ThreadPool.QueueUserWorkItem
        Parallel.For(0, 4, i => { }); // expect HA0001 System.Threading.Tasks.Parallel.For
        return "";
    }
}
