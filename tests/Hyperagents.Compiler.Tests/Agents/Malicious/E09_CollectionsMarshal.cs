namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var list = new List<int> { 1, 2 };
        System.Runtime.InteropServices.CollectionsMarshal.SetCount(list, 1000); // expect HA0001 System.Runtime.InteropServices.CollectionsMarshal.SetCount
        return list.Count.ToString();
    }
}
