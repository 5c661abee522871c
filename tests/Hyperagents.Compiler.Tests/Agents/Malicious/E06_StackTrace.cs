namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        try
        {
            throw new InvalidOperationException();
        }
        catch (Exception ex)
        {
            return ex.StackTrace + new System.Diagnostics.StackTrace().ToString() + ex.Source; // expect HA0001 System.Exception.StackTrace; HA0001 System.Diagnostics.StackTrace; HA0001 System.Exception.Source
        }
    }
}
