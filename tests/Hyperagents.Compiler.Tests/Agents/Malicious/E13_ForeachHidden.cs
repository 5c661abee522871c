namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var n = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles("/")) // expect HA0001 System.IO.Directory.EnumerateFiles(string)
        {
            n += file.Length;
        }

        return n.ToString();
    }
}
