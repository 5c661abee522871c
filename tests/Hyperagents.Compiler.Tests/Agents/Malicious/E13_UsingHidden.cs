namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        using (var stream = System.IO.File.OpenRead("/etc/shadow")) // expect HA0001 System.IO.File.OpenRead(string); HA0001 System.IO.FileStream
        {
            return stream.Length.ToString(); // expect HA0001 System.IO.FileStream.Length
        }
    }
}
