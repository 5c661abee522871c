namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var now = DateTime.Now; // expect HA0001 System.DateTime.Now
        var id = Guid.NewGuid(); // expect HA0001 System.Guid.NewGuid()
        var r = new Random(); // expect HA0001 System.Random
        return $"{now}{id}{r.Next()}";
    }
}
