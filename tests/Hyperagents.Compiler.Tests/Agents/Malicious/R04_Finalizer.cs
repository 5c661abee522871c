namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return new Leaky().ToString();
    }
}

public sealed class Leaky
{
    ~Leaky() // expect HA0005 Malicious.Leaky.~Leaky()
    {
        while (true)
        {
        }
    }
}
