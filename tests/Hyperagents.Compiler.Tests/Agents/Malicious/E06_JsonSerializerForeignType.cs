// The reflection-based serializer reads and writes any type it is handed: the runtime type of an SDK object, a type
// whose constructor the policy denies, a JSON element deserialized into a foreign type.
using System.Text.Json;
using System.Threading;

namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run(context));

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run(TaskContext context)
    {
        var inside = JsonSerializer.Serialize(context, context.GetType()); // expect HA0001 System.Text.Json.JsonSerializer.Serialize
        var source = JsonSerializer.Deserialize<CancellationTokenSource>("{}"); // expect HA0001 System.Text.Json.JsonSerializer.Deserialize
        using var document = JsonDocument.Parse("{\"Message\":\"forged\"}");
        var forged = document.RootElement.Deserialize<ArgumentException>(); // expect HA0001 System.Text.Json.JsonSerializer.Deserialize
        return inside + source + forged;
    }
}
