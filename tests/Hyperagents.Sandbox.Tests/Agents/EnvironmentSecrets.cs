// E5: look for secrets in the environment.
using System;
using System.Collections;
using System.Linq;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        var all = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(e => e.Key + "=" + e.Value).OrderBy(x => x);
        return Task.FromResult(
            "secret=" + (Environment.GetEnvironmentVariable(context.Task.Parameters["name"]) ?? "<none>") +
            ";home=" + (Environment.GetEnvironmentVariable("HOME") ?? "<none>") +
            ";path=" + (Environment.GetEnvironmentVariable("PATH") ?? "<none>") +
            ";all=" + string.Join("|", all));
    }
}
