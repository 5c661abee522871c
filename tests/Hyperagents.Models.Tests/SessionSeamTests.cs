using System.Text.Json;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Models.Tests.Support;
using Hyperagents.TestSupport;
using Hyperagents.Transport;

namespace Hyperagents.Models.Tests;

/// <summary>The chat service behind the host's capability channel, as the loop wires it.</summary>
public sealed class SessionSeamTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] Request(string text) =>
        JsonSerializer.SerializeToUtf8Bytes(new ChatRequest([ChatMessage.User(text)]) { Role = ChatRole.Meta }, SdkJson.Default.ChatRequest);

    [Fact]
    public async Task Model_failures_reach_the_agent_as_refusals_and_the_role_is_the_sessions()
    {
        _server.Enqueue(ScriptedReply.Reply("first"), ScriptedReply.Malformed(), ScriptedReply.NoChoices());
        var options = Some.Options(_server) with { Model = null, TaskModel = "openai:task-model", MetaModel = "openai:meta-model", MaxRetries = 0 };
        using var models = ModelServices.Create(options);
        var chat = models.OpenSession("variant-3/solve");
        var session = AgentSession.ForTask(chat, new SessionOptions { TokensLeft = models.TokensLeft });

        var ok = await session.HandleAsync(Capabilities.Chat, Request("a"), CancellationToken.None);
        var malformed = await session.HandleAsync(Capabilities.Chat, Request("b"), CancellationToken.None);
        var empty = await session.HandleAsync(Capabilities.Chat, Request("c"), CancellationToken.None);

        Assert.Equal("first", JsonSerializer.Deserialize(ok.Payload, SdkJson.Default.ChatReply)!.Text);
        Assert.Equal("model-failed", malformed.Error!.Error);
        Assert.Equal("model-failed", empty.Error!.Error);
        // The guest asked for the meta role; the task session answers with the task model.
        Assert.All(_server.Requests, r => Assert.Equal("task-model", r.Model));
        Assert.Equal(3, chat.Transcript.Count);
    }

    [Fact]
    public async Task A_spent_budget_is_a_refusal_the_session_reports()
    {
        _server.Responder = _ => ScriptedReply.Reply("x", promptTokens: 0, completionTokens: 100);
        using var models = ModelServices.Create(Some.Options(_server) with { TokenBudget = 100 });
        var session = AgentSession.ForTask(models.OpenSession("v"), new SessionOptions { TokensLeft = models.TokensLeft });

        await session.HandleAsync(Capabilities.Chat, Request("a"), CancellationToken.None);
        var refused = await session.HandleAsync(Capabilities.Chat, Request("b"), CancellationToken.None);
        var budget = await session.HandleAsync(Capabilities.Budget, "{}"u8.ToArray(), CancellationToken.None);

        Assert.Equal("budget-exhausted", refused.Error!.Error);
        Assert.Equal(0, JsonSerializer.Deserialize(budget.Payload, SdkJson.Default.BudgetStatus)!.TokensLeft);
        Assert.Single(_server.Requests);
    }
}
