// compiler-errors: CS7011, CS8097
#r "System.IO.FileSystem.dll" // expect HA0007 #r
#load "other.csx" // expect HA0007 #load
namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        return "";
    }
}
