namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        using var client = new System.Net.Http.HttpClient(); // expect HA0001 System.Net.Http.HttpClient
        return client.GetStringAsync("http://example.com").Result; // expect HA0001 System.Net.Http.HttpClient.GetStringAsync
    }
}
