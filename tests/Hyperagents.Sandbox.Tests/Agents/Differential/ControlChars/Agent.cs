using System.Threading.Tasks;
using Hyperagents;

// An answer of a million control characters: 1 MB as UTF-8, but 6 MB once JSON-escaped on its way out of the guest.
// Both modes must judge it by the same measure (its UTF-8 size against the message cap).
public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(new string('\u0001', 1_000_000) + context.Task.GetInt("n"));

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
}
