using System.Text.Json;
using Hyperagents.Cli.Runs;
using Hyperagents.Engine;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Models;
using Hyperagents.TestSupport;
using Hyperagents.Transport;

namespace Hyperagents.Cli.Tests;

/// <summary>The loop's model access keeps a meta session only until the variant takes its record, and no task
/// session at all, so a long model-backed run does not grow with its evaluations.</summary>
public sealed class ModelAccessTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ModelOptions Options() => new()
    {
        Model = "openai:scripted-model",
        Endpoint = _server.BaseUrl.ToString(),
        MaxRetries = 0,
        Environment = _ => null,
    };

    private static byte[] Ask(string text, ChatRole role) =>
        JsonSerializer.SerializeToUtf8Bytes(new ChatRequest([ChatMessage.User(text)]) { Role = role }, SdkJson.Default.ChatRequest);

    [Fact]
    public async Task Close_hands_over_the_meta_sessions_record_once_and_forgets_it()
    {
        _server.Responder = _ => ScriptedReply.Reply("edited", promptTokens: 40, completionTokens: 8);
        using var models = ModelServices.Create(Options());
        var access = new CliModelAccess(models);

        var chat = access.OpenMeta("attempt-1/meta")!;
        Assert.Same(chat, access.OpenMeta("attempt-1/meta"));
        var reply = await AgentSession.ForMeta(new AgentWorkspace(new Dictionary<string, string>(), new WorkspaceLimits()), null!, chat, new SessionOptions())
            .HandleAsync(Capabilities.Chat, Ask("improve yourself", ChatRole.Meta), CancellationToken.None);
        Assert.Null(reply.Error);
        Assert.Equal(1, access.OpenSessions);

        var record = access.Close("attempt-1/meta");

        Assert.Equal(40, record.Usage!.InputTokens);
        Assert.Equal(8, record.Usage.OutputTokens);
        Assert.Equal("scripted-model", record.Usage.Model);
        var line = Hyperagents.Archive.Transcript.Write([record.Transcript!]);
        Assert.StartsWith("{\"type\":\"model\",\"exchanges\":[", line, StringComparison.Ordinal);
        Assert.Contains("edited", line, StringComparison.Ordinal);
        Assert.Equal(1, record.Transcript!.Count);
        Assert.Equal(0, access.OpenSessions);
        Assert.Same(ModelRecord.Empty, access.Close("attempt-1/meta"));
    }

    [Fact]
    public async Task Task_sessions_are_not_kept_but_still_count_in_the_runs_ledger()
    {
        _server.Responder = _ => ScriptedReply.Reply("42", promptTokens: 10, completionTokens: 2);
        using var models = ModelServices.Create(Options());
        var access = new CliModelAccess(models);

        for (var i = 0; i < 20; i++)
        {
            var chat = access.OpenTask($"task/abc/t{i}")!;
            var reply = await AgentSession.ForTask(chat, new SessionOptions()).HandleAsync(Capabilities.Chat, Ask("solve", ChatRole.Task), CancellationToken.None);
            Assert.Null(reply.Error);
        }

        Assert.NotSame(access.OpenTask("task/abc/t0"), access.OpenTask("task/abc/t0"));
        Assert.Equal(20, _server.Requests.Count);
        Assert.Equal(200, models.Ledger.Run.InputTokens);
    }
}
