using System.Text.Json.Nodes;
using Hyperagents.TestSupport;

namespace Hyperagents.Cli.Tests;

/// <summary>The conversation the scripted stand-in for a language model holds with the seed's meta agent, in the
/// OpenAI protocol: its first reply asks for tool calls (with ids) that edit the agent's own meta file
/// (<c>meta/MutationPolicy.cs</c>), a task file, then compile and run a scratchpad snippet; once the tool results come back (role <c>tool</c>,
/// with the matching <c>tool_call_id</c>), it answers in plain text and the agent stops. Stateless: the reply depends
/// only on the request, so it serves any number of attempts.</summary>
internal static class ScriptedMetaModel
{
    public const string MetaEdit = "// Tuned by the scripted stand-in for a language model: screen more candidates.";

    public const string TaskEdit = "// Reviewed by the scripted stand-in for a language model.";

    /// <summary>A scratchpad snippet the stand-in asks the meta agent to run; its value comes back as "value: 351".</summary>
    public const string Snippet = "await context.Log.InfoAsync(\"summing\");\nEnumerable.Range(1, 26).Sum()";

    public static ScriptedReply Reply(ReceivedRequest request)
    {
        var messages = request.Json?["messages"]?.AsArray() ?? [];
        var toolResults = messages.Where(m => m?["role"]?.GetValue<string>() == "tool").ToList();
        if (toolResults.Count == 0)
        {
            return ScriptedReply.Calls(
                new ScriptedToolCall("call_meta_1", "insert", new JsonObject { ["path"] = "meta/MutationPolicy.cs", ["insert_line"] = 0, ["text"] = MetaEdit }.ToJsonString()),
                new ScriptedToolCall("call_task_2", "insert", new JsonObject { ["path"] = "task/TaskAgent.cs", ["insert_line"] = 0, ["text"] = TaskEdit }.ToJsonString()),
                new ScriptedToolCall("call_compile_3", "compile", "{}"),
                new ScriptedToolCall("call_snippet_4", "run_csharp", new JsonObject { ["code"] = Snippet }.ToJsonString())) with { PromptTokens = 1200, CompletionTokens = 90 };
        }

        // Each tool result must answer one of the calls above, by id.
        var ids = toolResults.Select(m => m?["tool_call_id"]?.GetValue<string>()).ToList();
        return ids.SequenceEqual(["call_meta_1", "call_task_2", "call_compile_3", "call_snippet_4"])
            ? ScriptedReply.Reply("Done: the policy and the task agent are edited and the workspace compiles.", 1500, 20)
            : ScriptedReply.Error(400, "scripted stand-in: tool results do not answer the tool calls: " + string.Join(",", ids));
    }
}
