using System.Text.Json.Nodes;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Models.Tests.Support;
using Hyperagents.TestSupport;
using Microsoft.Extensions.AI;


namespace Hyperagents.Models.Tests;

using AiMessage = Microsoft.Extensions.AI.ChatMessage;
using AiRole = Microsoft.Extensions.AI.ChatRole;

public sealed class ReplayTests
{
    private static readonly ChatTool ReadFile = new("read_file", "Reads a file.", """{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}""");
    private static readonly ChatTool WriteFile = new("write_file", "Writes a file.", """{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}}}""");

    /// <summary>A small ModifySelf-like tool loop: the agent drives the model and runs the tools itself.</summary>
    private static async Task<(string Outcome, Dictionary<string, string> Files)> ModifySelfAsync(IChatService chat, string goal)
    {
        var files = new Dictionary<string, string> { ["task/TaskAgent.cs"] = "class TaskAgent { int Depth = 3; }" };
        var messages = new List<ChatMessage> { ChatMessage.System("You improve a C# agent."), ChatMessage.User(goal) };
        for (var turn = 0; turn < 6; turn++)
        {
            var reply = await chat.CompleteAsync(new ChatRequest(messages, [ReadFile, WriteFile]) { Role = ChatRole.Meta }, CancellationToken.None);
            messages.Add(reply.ToMessage());
            if (reply.ToolCalls.Count == 0)
            {
                return (reply.Text, files);
            }

            foreach (var call in reply.ToolCalls)
            {
                var args = JsonNode.Parse(call.ArgumentsJson)!;
                var path = args["path"]!.GetValue<string>();
                var result = call.Name == "read_file"
                    ? files.GetValueOrDefault(path, "(missing)")
                    : (files[path] = args["content"]!.GetValue<string>()).Length + " chars written";
                messages.Add(ChatMessage.ToolResult(call.Id, result));
            }
        }

        return ("out of turns", files);
    }

    private static async Task<IReadOnlyList<ModelExchange>> RecordAsync(string goal)
    {
        await using var server = await ScriptedOpenAiServer.StartAsync();
        server.Enqueue(
            ScriptedReply.Calls(new ScriptedToolCall("call_1", "read_file", """{ "path" : "task/TaskAgent.cs" }""")),
            ScriptedReply.Calls(new ScriptedToolCall("call_2", "write_file", """{"path":"task/TaskAgent.cs","content":"class TaskAgent { int Depth = 4; }"}""")),
            ScriptedReply.Reply("Raised the search depth to 4."));
        using var models = ModelServices.Create(Some.Options(server));
        var chat = models.OpenSession("variant-7/modify");
        var (outcome, _) = await ModifySelfAsync(chat, goal);
        Assert.Equal("Raised the search depth to 4.", outcome);
        Assert.Equal(3, server.Requests.Count);
        return chat.Transcript;
    }

    [Fact]
    public async Task A_recorded_ModifySelf_replays_deterministically_without_any_endpoint()
    {
        var recorded = ModelExchange.ReadTranscript(ModelExchange.ToJson(await RecordAsync("Make it search deeper.")));

        var runs = new List<(string, string, string)>();
        for (var i = 0; i < 2; i++)
        {
            using var replay = ModelServices.CreateReplay(recorded);
            var chat = replay.OpenSession("replayed");
            var (outcome, files) = await ModifySelfAsync(chat, "Make it search deeper.");
            runs.Add((outcome, files["task/TaskAgent.cs"], string.Join("|", chat.Transcript.Select(e => e.Fingerprint))));
            Assert.All(chat.Transcript, e => Assert.Equal("replay", e.Provider));
        }

        Assert.Equal(("Raised the search depth to 4.", "class TaskAgent { int Depth = 4; }"), (runs[0].Item1, runs[0].Item2));
        Assert.Equal(runs[0], runs[1]);
        Assert.Equal(string.Join("|", recorded.Select(e => e.Fingerprint)), runs[0].Item3);
    }

    [Fact]
    public async Task A_request_that_was_not_recorded_names_the_first_differing_message()
    {
        var recorded = await RecordAsync("Make it search deeper.");
        using var replay = ModelServices.CreateReplay(recorded);
        var chat = replay.OpenSession("replayed");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => ModifySelfAsync(chat, "Make it search wider."));

        Assert.Equal("replay-miss", error.Code);
        Assert.Contains("index 1 (user)", error.Message);
        Assert.Contains("expected \"Make it search deeper.\", got \"Make it search wider.\"", error.Message);
        Assert.Equal("replay-miss", Assert.Single(chat.Transcript).Error!.Code);
    }

    [Fact]
    public async Task A_divergence_later_in_the_conversation_is_located_there()
    {
        var recorded = await RecordAsync("Make it search deeper.");
        var client = new ReplayChatClient(recorded);
        var first = recorded[1].Request;
        var changed = first.Messages.Select(m => m.Role == ChatMessageRole.Tool ? m with { Text = "class TaskAgent { int Depth = 9; }" } : m).ToList();
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = recorded[1].MaxOutputTokens, Tools = [.. new[] { ReadFile, WriteFile }.Select(t => AIFunctionFactory.CreateDeclaration(t.Name, t.Description, System.Text.Json.JsonDocument.Parse(t.ParametersSchema).RootElement))] };

        var error = await Assert.ThrowsAsync<ReplayMissException>(() => client.GetResponseAsync(ToAi(changed), options));

        Assert.Contains("index 3 (tool)", error.Message);
        Assert.Contains("Depth = 3", error.Message);
        Assert.Contains("Depth = 9", error.Message);
        Assert.Contains("call #2 of session variant-7/modify", error.Message);
    }

    [Fact]
    public async Task Each_recording_is_served_once()
    {
        var recorded = await RecordAsync("Make it search deeper.");
        var client = new ReplayChatClient(recorded);
        var request = recorded[0];
        var messages = ToAi(request.Request.Messages);
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = request.MaxOutputTokens, Tools = [.. new[] { ReadFile, WriteFile }.Select(t => AIFunctionFactory.CreateDeclaration(t.Name, t.Description, System.Text.Json.JsonDocument.Parse(t.ParametersSchema).RootElement))] };

        var served = await client.GetResponseAsync(messages, options);
        var again = await Assert.ThrowsAsync<ReplayMissException>(() => client.GetResponseAsync(messages, options));

        Assert.Equal("call_1", served.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single().CallId);
        Assert.Contains("has been served as often", again.Message);
        Assert.Equal(2, client.Remaining);
    }

    [Fact]
    public async Task Changed_options_are_reported_when_every_message_matches()
    {
        var recorded = await RecordAsync("Make it search deeper.");
        using var replay = ModelServices.CreateReplay(recorded, new ModelOptions { Temperature = 0.7 });

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => ModifySelfAsync(replay.OpenSession("r"), "Make it search deeper."));

        Assert.Equal("replay-miss", error.Code);
        Assert.Contains("tools or options differ", error.Message);
        Assert.Contains("0.7", error.Message);
    }

    [Fact]
    public async Task A_recorded_failure_is_replayed_as_the_same_failure()
    {
        IReadOnlyList<ModelExchange> recorded;
        await using (var server = await ScriptedOpenAiServer.StartAsync())
        {
            server.Enqueue(ScriptedReply.NoChoices());
            using var models = ModelServices.Create(Some.Options(server));
            var chat = models.OpenSession("s");
            await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("q"), CancellationToken.None));
            recorded = chat.Transcript;
        }

        using var replay = ModelServices.CreateReplay(recorded);
        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => replay.OpenSession("r").CompleteAsync(Some.Ask("q"), CancellationToken.None));

        Assert.Equal(("model-failed", recorded[0].Error!.Message), (error.Code, error.Message));
    }

    [Fact]
    public void Fingerprints_ignore_json_formatting_but_not_content()
    {
        AiMessage Call(string args) => new(AiRole.Assistant, [new FunctionCallContent("c", "t", JsonArgs(args))]);
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 100 };

        var a = RequestFingerprint.Compute([new AiMessage(AiRole.User, "x"), Call("""{"b":1,"a":[1,2]}""")], options);
        var b = RequestFingerprint.Compute([new AiMessage(AiRole.User, "x"), Call("""{ "a" : [1, 2], "b" : 1 }""")], options);
        var c = RequestFingerprint.Compute([new AiMessage(AiRole.User, "x"), Call("""{"a":[2,1],"b":1}""")], options);
        var d = RequestFingerprint.Compute([new AiMessage(AiRole.User, "x"), Call("""{"b":1,"a":[1,2]}""")], new ChatOptions { Temperature = 0.5f, MaxOutputTokens = 100 });

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, d);
        Assert.Equal(64, a.Length);
    }

    private static Dictionary<string, object?> JsonArgs(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());

    private static List<AiMessage> ToAi(IReadOnlyList<ChatMessage> messages) => messages.Select(m => m.Role switch
    {
        ChatMessageRole.System => new AiMessage(AiRole.System, m.Text),
        ChatMessageRole.User => new AiMessage(AiRole.User, m.Text),
        ChatMessageRole.Tool => new AiMessage(AiRole.Tool, [new FunctionResultContent(m.ToolCallId!, m.Text)]),
        _ => new AiMessage(AiRole.Assistant, [.. (m.Text.Length > 0 ? new AIContent[] { new TextContent(m.Text) } : []), .. (m.ToolCalls ?? []).Select(c => new FunctionCallContent(c.Id, c.Name, JsonArgs(c.ArgumentsJson)))]),
    }).ToList();
}
