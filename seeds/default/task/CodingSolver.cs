// @domain coding
using System;
using System.Text.Json;
using System.Threading.Tasks;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>
/// Answers a coding task (the task input is JSON with "description", "signature" and "entry"). With a model for the
/// task role, asks it for the C# source; without one, returns a stub that compiles and throws.
/// </summary>
internal static class CodingSolver
{
    private const string Instructions =
        "Write the C# method the task asks for. Reply with the C# source only: a public static class named as the task says, " +
        "outside any namespace, defining exactly the given signature. No explanation.";

    public static async Task<string> SolveAsync(TaskContext context)
    {
        var input = context.Task.Input ?? "{}";
        try
        {
            var reply = await context.Chat.CompleteAsync(new ChatRequest(
                [ChatMessage.System(Instructions), ChatMessage.User(context.Task.Description + "\n\n" + input)],
                Temperature: 0));
            return reply.Text.Trim();
        }
        catch (HostCallException ex) when (ex.Code == "no-model")
        {
            return Stub(input);
        }
    }

    /// <summary>A class with the task's signature whose body throws: compiles, scores 0.</summary>
    public static string Stub(string input)
    {
        using var document = JsonDocument.Parse(input);
        var root = document.RootElement;
        var signature = root.GetProperty("signature").GetString() ?? "";
        var type = root.GetProperty("entry").GetProperty("type").GetString() ?? "Solution";
        return "public static class " + type + "\n{\n    " + signature + "\n    {\n        throw new NotImplementedException();\n    }\n}\n";
    }
}
