namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        Console.SetOut(new System.IO.StringWriter()); // expect HA0001 System.Console.SetOut
        return Console.ReadLine() ?? ""; // expect HA0001 System.Console.ReadLine()
    }
}
