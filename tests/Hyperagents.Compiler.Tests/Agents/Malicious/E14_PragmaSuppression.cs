#pragma warning disable HA0001, HA0002
#pragma warning disable
using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage("Gate", "HA0001")]
namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    [SuppressMessage("Gate", "HA0001:DisallowedApi", Justification = "trust me")]
    private static string Run()
    {
        System.IO.File.Delete("/tmp/x"); // expect HA0001 System.IO.File.Delete(string)
        return "";
    }
}
