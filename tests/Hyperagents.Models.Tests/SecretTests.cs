using Hyperagents.Hosting.Sessions;
using Hyperagents.Models.Tests.Support;
using Hyperagents.TestSupport;

namespace Hyperagents.Models.Tests;

public sealed class SecretTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_api_key_is_sent_but_never_recorded_nor_logged()
    {
        var logs = new CollectingLoggerFactory();
        var options = Some.Options(_server, environment: new Dictionary<string, string> { [ModelOptions.OpenAiKeyVariable] = Some.FakeKey }) with { MaxRetries = 2, Stream = false };
        _server.Enqueue(
            ScriptedReply.Reply("fine"),
            ScriptedReply.Error(503, $"Incorrect API key provided: {Some.FakeKey}"),
            ScriptedReply.Error(500, $"Authorization: Bearer {Some.FakeKey}"),
            ScriptedReply.Error(500, $"echo {Some.FakeKey}"),
            ScriptedReply.RateLimited(0),
            ScriptedReply.Calls(new ScriptedToolCall("c1", "read_file", """{"path":"x"}""")),
            ScriptedReply.Malformed());
        var errors = new List<string>();
        string transcript;
        using (var models = ModelServices.Create(options, logs))
        {
            var chat = models.OpenSession("s");
            await chat.CompleteAsync(Some.Ask("one"), CancellationToken.None);
            errors.Add((await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("two"), CancellationToken.None))).Message);
            await chat.CompleteAsync(Some.Ask("three", tools: [Some.Tool()]), CancellationToken.None);
            errors.Add((await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("four"), CancellationToken.None))).Message);
            transcript = chat.TranscriptJson();
            Assert.Equal(4, chat.Transcript.Count);
            Assert.Equal(3, chat.Transcript[1].AttemptCount);
        }

        Assert.All(_server.Requests, r => Assert.Equal($"Bearer {Some.FakeKey}", r.Headers["Authorization"]));
        Assert.Equal(7, _server.Requests.Count);
        Assert.DoesNotContain(Some.FakeKey, transcript);
        Assert.DoesNotContain("7f3a9c1e5b2d4f60", transcript);
        Assert.DoesNotContain(Some.FakeKey, logs.All);
        Assert.DoesNotContain("7f3a9c1e5b2d4f60", logs.All);
        Assert.All(errors, e => Assert.DoesNotContain("7f3a9c1e5b2d4f60", e));
        Assert.Contains("[redacted]", transcript);
        Assert.Contains("HTTP 503", logs.All);
    }

    [Fact]
    public async Task Ledger_state_and_options_never_carry_the_key()
    {
        var options = Some.Options(_server, environment: new Dictionary<string, string> { [ModelOptions.OpenAiKeyVariable] = Some.FakeKey });
        _server.Enqueue(ScriptedReply.Reply("x"));
        using var models = ModelServices.Create(options);
        await models.OpenSession("s").CompleteAsync(Some.Ask("q"), CancellationToken.None);

        Assert.DoesNotContain(Some.FakeKey, models.Ledger.ToJson());
        Assert.DoesNotContain(Some.FakeKey, options.ToString());
    }
}

public sealed class AnthropicOverLoopbackTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_anthropic_client_shares_the_resilient_http_client_and_never_records_its_key()
    {
        var logs = new CollectingLoggerFactory();
        var options = new ModelOptions
        {
            Model = "anthropic:claude-sonnet-4-5",
            AnthropicEndpoint = _server.BaseUrl.GetLeftPart(UriPartial.Authority),
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            Environment = Some.Env(new Dictionary<string, string> { [ModelOptions.AnthropicKeyVariable] = Some.FakeKey }),
        };
        _server.Enqueue(ScriptedReply.Error(529, "overloaded"), ScriptedReply.Calls(new ScriptedToolCall("toolu_1", "read_file", """{"path":"a.cs"}""")));
        using var models = ModelServices.Create(options, logs);
        var chat = models.OpenSession("s");

        var reply = await chat.CompleteAsync(Some.Ask("Read a.cs", tools: [Some.Tool()]), CancellationToken.None);

        Assert.Equal(("toolu_1", "read_file", """{"path":"a.cs"}"""), (reply.ToolCalls[0].Id, reply.ToolCalls[0].Name, reply.ToolCalls[0].ArgumentsJson));
        Assert.Equal([529, 200], chat.Transcript[0].Attempts.Select(a => a.Status));
        Assert.All(_server.Requests, r => Assert.Equal("/v1/messages", r.Path));
        // This SDK version sends ApiKey as a bearer token (its documented behaviour).
        Assert.Equal($"Bearer {Some.FakeKey}", _server.Requests[0].Headers["Authorization"]);
        Assert.Equal("claude-sonnet-4-5", _server.Requests[0].Model);
        Assert.DoesNotContain(Some.FakeKey, chat.TranscriptJson());
        Assert.DoesNotContain(Some.FakeKey, logs.All);
    }
}
