namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        Span<long> longs = [1, 2, 3];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.Cast<long, byte>(longs); // expect HA0001 System.Runtime.InteropServices.MemoryMarshal.Cast
        return bytes.Length.ToString();
    }
}
