using System.Text.Json.Nodes;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Models.Tests.Support;
using Hyperagents.TestSupport;

namespace Hyperagents.Models.Tests;

/// <summary>Real HTTP against the scripted stand-in for a language model.</summary>
public sealed class OpenAiEndpointTests : IAsyncLifetime
{
    private ScriptedOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Plain_text_reply_is_mapped_metered_and_recorded()
    {
        _server.Enqueue(ScriptedReply.Reply("Hello there.", promptTokens: 120, completionTokens: 30));
        using var models = ModelServices.Create(Some.Options(_server));
        var chat = models.OpenSession("variant-1");

        var reply = await chat.CompleteAsync(Some.Ask("Say hello."), CancellationToken.None);

        Assert.Equal("Hello there.", reply.Text);
        Assert.Empty(reply.ToolCalls);
        Assert.Equal("stop", reply.FinishReason);
        Assert.Equal((120, 30), (reply.InputTokens, reply.OutputTokens));
        var sent = Assert.Single(_server.Requests);
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal("scripted-model", sent.Model);
        Assert.False(sent.Stream);
        Assert.Equal(0, sent.Json!["temperature"]!.GetValue<double>());
        var messages = sent.Json!["messages"]!.AsArray();
        Assert.Equal(["system", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));

        var exchange = Assert.Single(chat.Transcript);
        Assert.Equal(("openai", "openai:scripted-model", 1), (exchange.Provider, exchange.Model, exchange.Sequence));
        Assert.Equal(200, Assert.Single(exchange.Attempts).Status);
        Assert.Equal(reply, exchange.Reply);
        Assert.Equal(new ExchangeUsage(120, 30, 60, 0m, false), exchange.Usage);
        Assert.Null(exchange.Error);
        Assert.Equal(new UsageTotals(1, 120, 30, 0m), models.Ledger.ForSession("variant-1"));
        Assert.Equal(60, models.Ledger.Run.EquivalentTokens);
    }

    [Fact]
    public async Task Streamed_reply_is_assembled_with_usage()
    {
        _server.Enqueue(ScriptedReply.Reply("The answer is forty-two.", promptTokens: 50, completionTokens: 8));
        using var models = ModelServices.Create(Some.Options(_server) with { Stream = true });
        var chat = models.OpenSession("s");

        var reply = await chat.CompleteAsync(Some.Ask("What is the answer?"), CancellationToken.None);

        Assert.Equal("The answer is forty-two.", reply.Text);
        Assert.Equal("stop", reply.FinishReason);
        Assert.True(Assert.Single(_server.Requests).Stream);
        Assert.Equal((50, 8), (reply.InputTokens, reply.OutputTokens));
        Assert.True(Assert.Single(chat.Transcript).Streamed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task One_tool_call_is_mapped_and_not_invoked(bool stream)
    {
        _server.Enqueue(ScriptedReply.Calls(new ScriptedToolCall("call_a1", "read_file", """{"path": "meta/MetaAgent.cs"}""")));
        using var models = ModelServices.Create(Some.Options(_server) with { Stream = stream });
        var chat = models.OpenSession("s");

        var reply = await chat.CompleteAsync(Some.Ask("Read the meta agent.", tools: [Some.Tool()]), CancellationToken.None);

        var call = Assert.Single(reply.ToolCalls);
        Assert.Equal(("call_a1", "read_file", """{"path":"meta/MetaAgent.cs"}"""), (call.Id, call.Name, call.ArgumentsJson));
        Assert.Equal("tool_calls", reply.FinishReason);
        var sent = Assert.Single(_server.Requests);
        var tool = Assert.Single(sent.Json!["tools"]!.AsArray())!;
        Assert.Equal("read_file", tool["function"]!["name"]!.GetValue<string>());
        Assert.Equal("string", tool["function"]!["parameters"]!["properties"]!["path"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Several_tool_calls_are_mapped_in_order(bool stream)
    {
        _server.Enqueue(ScriptedReply.Calls(
            new ScriptedToolCall("c1", "read_file", """{"path":"a.cs"}"""),
            new ScriptedToolCall("c2", "read_file", """{"path":"b.cs"}"""),
            new ScriptedToolCall("c3", "compile", "{}")));
        using var models = ModelServices.Create(Some.Options(_server) with { Stream = stream });

        var reply = await models.OpenSession("s").CompleteAsync(Some.Ask("Go.", tools: [Some.Tool(), Some.Tool("compile")]), CancellationToken.None);

        Assert.Equal(
            [("c1", "read_file", """{"path":"a.cs"}"""), ("c2", "read_file", """{"path":"b.cs"}"""), ("c3", "compile", "{}")],
            reply.ToolCalls.Select(c => (c.Id, c.Name, c.ArgumentsJson)));
    }

    [Fact]
    public async Task Tool_results_go_back_as_tool_messages_answering_their_call()
    {
        _server.Enqueue(ScriptedReply.Reply("Done."));
        using var models = ModelServices.Create(Some.Options(_server));
        var request = new ChatRequest(
        [
            ChatMessage.User("Read a.cs"),
            new ChatMessage(ChatMessageRole.Assistant, string.Empty, [new ToolCall("c1", "read_file", """{"path":"a.cs"}""")]),
            ChatMessage.ToolResult("c1", "class A {}"),
        ], [Some.Tool()]);

        await models.OpenSession("s").CompleteAsync(request, CancellationToken.None);

        var messages = Assert.Single(_server.Requests).Json!["messages"]!.AsArray();
        var assistant = messages[1]!;
        Assert.Equal("assistant", assistant["role"]!.GetValue<string>());
        var call = Assert.Single(assistant["tool_calls"]!.AsArray())!;
        Assert.Equal(("c1", "read_file"), (call["id"]!.GetValue<string>(), call["function"]!["name"]!.GetValue<string>()));
        Assert.Equal("a.cs", JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())!["path"]!.GetValue<string>());
        var tool = messages[2]!;
        Assert.Equal(("tool", "c1"), (tool["role"]!.GetValue<string>(), tool["tool_call_id"]!.GetValue<string>()));
        Assert.Contains("class A {}", tool["content"]!.ToJsonString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rate_limit_is_retried_after_the_retry_after_header_then_succeeds(bool stream)
    {
        _server.Enqueue(ScriptedReply.RateLimited(retryAfterSeconds: 1), ScriptedReply.Reply("ok"));
        using var models = ModelServices.Create(Some.Options(_server) with { Stream = stream });
        var chat = models.OpenSession("s");

        var reply = await chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None);

        Assert.Equal("ok", reply.Text);
        var requests = _server.Requests;
        Assert.Equal(2, requests.Count);
        // The base delay is 1 ms: only the header can explain a wait of about a second (a lower bound, never flaky).
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(900), $"retried after {(requests[1].At - requests[0].At).TotalMilliseconds} ms");
        var attempts = Assert.Single(chat.Transcript).Attempts;
        Assert.Equal([429, 200], attempts.Select(a => a.Status));
        Assert.Equal(1000, attempts[0].RetryAfterMs);
        Assert.Contains("429", attempts[0].Error);
    }

    [Fact]
    public async Task Retry_after_ms_is_honoured()
    {
        _server.Enqueue(ScriptedReply.RateLimited(0) with { RetryAfterMilliseconds = 800 }, ScriptedReply.Reply("ok"));
        using var models = ModelServices.Create(Some.Options(_server));

        await models.OpenSession("s").CompleteAsync(Some.Ask("hi"), CancellationToken.None);

        var requests = _server.Requests;
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(700), $"retried after {(requests[1].At - requests[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_long_retry_after_is_capped_by_the_max_retry_delay()
    {
        _server.Enqueue(ScriptedReply.RateLimited(retryAfterSeconds: 3600), ScriptedReply.Reply("ok"));
        using var models = ModelServices.Create(Some.Options(_server) with { MaxRetryDelay = TimeSpan.FromMilliseconds(50) });
        var chat = models.OpenSession("s");

        // Uncapped, the retry would wait an hour and the call would end at its 60 s deadline as model-failed.
        Assert.Equal("ok", (await chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None)).Text);
        Assert.Equal(3_600_000, chat.Transcript[0].Attempts[0].RetryAfterMs);
    }

    [Fact]
    public async Task Server_error_then_success_is_one_successful_call_of_two_attempts()
    {
        _server.Enqueue(ScriptedReply.Error(503), ScriptedReply.Reply("recovered"));
        using var models = ModelServices.Create(Some.Options(_server));
        var chat = models.OpenSession("s");

        Assert.Equal("recovered", (await chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None)).Text);
        Assert.Equal([503, 200], Assert.Single(chat.Transcript).Attempts.Select(a => a.Status));
    }

    [Fact]
    public async Task Persistent_500_is_retried_then_recorded_as_model_failed()
    {
        _server.Responder = _ => ScriptedReply.Error(500, "upstream exploded");
        using var models = ModelServices.Create(Some.Options(_server) with { MaxRetries = 3 });
        var chat = models.OpenSession("s");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Contains("4 attempt(s)", error.Message);
        Assert.Contains("HTTP 500", error.Message);
        Assert.Equal(4, _server.Requests.Count);
        var exchange = Assert.Single(chat.Transcript);
        Assert.Equal(new ExchangeError("model-failed", error.Message), exchange.Error);
        Assert.Equal(4, exchange.AttemptCount);
        Assert.All(exchange.Attempts, a => Assert.Equal(500, a.Status));
        Assert.Null(exchange.Reply);
        Assert.Equal(UsageTotals.Zero, models.Ledger.Run);
    }

    [Fact]
    public async Task Client_errors_other_than_408_and_429_are_not_retried()
    {
        _server.Enqueue(ScriptedReply.Error(400, "bad model parameter"));
        using var models = ModelServices.Create(Some.Options(_server));

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => models.OpenSession("s").CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Contains("bad model parameter", error.Message);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_retried_then_model_failed()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var models = ModelServices.Create(Some.Options(_server) with { Endpoint = $"http://127.0.0.1:{port}/v1", MaxRetries = 1 });
        var chat = models.OpenSession("s");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Contains("2 attempt(s): no response", error.Message);
        Assert.All(chat.Transcript[0].Attempts, a => Assert.Null(a.Status));
    }

    [Fact]
    public async Task A_404_hints_at_the_endpoint_path_and_model_id()
    {
        _server.Enqueue(ScriptedReply.Error(404, "model not found"));
        using var models = ModelServices.Create(Some.Options(_server));

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => models.OpenSession("s").CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Contains("check the model id and the endpoint", error.Message);
        Assert.Contains("model not found", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Malformed_json_is_a_recorded_model_failure_not_a_crash(bool stream)
    {
        _server.Enqueue(ScriptedReply.Malformed(), ScriptedReply.Reply("next call works"));
        using var models = ModelServices.Create(Some.Options(_server) with { Stream = stream });
        var chat = models.OpenSession("s");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Equal("model-failed", chat.Transcript[0].Error!.Code);
        Assert.Equal("next call works", (await chat.CompleteAsync(Some.Ask("again"), CancellationToken.None)).Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reply_without_choices_is_model_failed(bool stream)
    {
        _server.Enqueue(ScriptedReply.NoChoices());
        using var models = ModelServices.Create(Some.Options(_server) with { Stream = stream });
        var chat = models.OpenSession("s");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Equal(error.Message, Assert.Single(chat.Transcript).Error!.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Empty_content_is_model_failed_and_its_tokens_are_still_charged(bool stream)
    {
        _server.Enqueue(ScriptedReply.EmptyContent() with { PromptTokens = 40, CompletionTokens = 0 });
        using var models = ModelServices.Create(Some.Options(_server) with { Stream = stream });
        var chat = models.OpenSession("s");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Contains("empty reply", error.Message);
        Assert.Equal(40, models.Ledger.Run.InputTokens);
        Assert.Equal(40, Assert.Single(chat.Transcript).Usage!.InputTokens);
    }

    [Fact]
    public async Task An_attempt_that_times_out_is_retried_then_fails_as_model_failed()
    {
        _server.Responder = _ => ScriptedReply.Hang();
        var options = Some.Options(_server) with { AttemptTimeout = TimeSpan.FromSeconds(1), MaxRetries = 1 };
        using var models = ModelServices.Create(options);
        var chat = models.OpenSession("s");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Contains("did not answer", error.Message);
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(2, Assert.Single(chat.Transcript).AttemptCount);
    }

    [Fact]
    public async Task A_stream_that_stalls_is_cut_by_the_call_timeout()
    {
        _server.Enqueue(ScriptedReply.StallAfterHeaders());
        var options = Some.Options(_server) with { Stream = true, AttemptTimeout = TimeSpan.FromMilliseconds(400), CallTimeout = TimeSpan.FromMilliseconds(400) };
        using var models = ModelServices.Create(options);

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => models.OpenSession("s").CompleteAsync(Some.Ask("hi"), CancellationToken.None));

        Assert.Equal("model-failed", error.Code);
        Assert.Contains("did not answer", error.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_propagates_and_is_recorded()
    {
        _server.Responder = _ => ScriptedReply.Hang();
        using var models = ModelServices.Create(Some.Options(_server));
        var chat = models.OpenSession("s");
        using var cts = new CancellationTokenSource();

        var call = chat.CompleteAsync(Some.Ask("hi"), cts.Token);
        await Some.WaitUntil(() => _server.Requests.Count == 1, "the request reached the server");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal("cancelled", Assert.Single(chat.Transcript).Error!.Code);
    }

    [Fact]
    public async Task The_concurrency_cap_holds_across_sessions()
    {
        _server.Responder = _ => ScriptedReply.Reply("ok");
        _server.Hold();
        using var models = ModelServices.Create(Some.Options(_server) with { MaxConcurrency = 2 });

        var calls = Enumerable.Range(0, 6).Select(i => models.OpenSession($"v{i}").CompleteAsync(Some.Ask($"q{i}"), CancellationToken.None)).ToList();
        // Without the cap all six would reach the server and none would wait, so this never holds.
        await Some.WaitUntil(() => _server.CurrentRequests == 2 && models.CallsWaiting == 4, "two calls are in flight and four wait");
        _server.Release();
        var replies = await Task.WhenAll(calls);

        Assert.All(replies, r => Assert.Equal("ok", r.Text));
        Assert.Equal(2, _server.MaxConcurrentRequests);
        Assert.Equal(6, _server.Requests.Count);
        Assert.Equal(0, models.CallsInFlight);
    }

    [Fact]
    public async Task Missing_usage_is_estimated_and_flagged()
    {
        _server.Enqueue(ScriptedReply.Reply("abcdefgh", promptTokens: null));
        using var models = ModelServices.Create(Some.Options(_server));
        var chat = models.OpenSession("s");

        var reply = await chat.CompleteAsync(new ChatRequest([ChatMessage.User(new string('x', 400))]), CancellationToken.None);

        Assert.Equal((100, 2), (reply.InputTokens, reply.OutputTokens));
        Assert.True(Assert.Single(chat.Transcript).Usage!.Estimated);
    }

    [Fact]
    public async Task Each_role_uses_its_own_model()
    {
        _server.Responder = _ => ScriptedReply.Reply("ok");
        var options = Some.Options(_server) with { Model = null, MetaModel = "openai:meta-model", TaskModel = "openai:task-model" };
        using var models = ModelServices.Create(options);
        var chat = models.OpenSession("s");

        await chat.CompleteAsync(Some.Ask("a", ChatRole.Meta), CancellationToken.None);
        await chat.CompleteAsync(Some.Ask("b", ChatRole.Task), CancellationToken.None);

        Assert.Equal(["meta-model", "task-model"], _server.Requests.Select(r => r.Model));
        Assert.Equal(["openai:meta-model", "openai:task-model"], chat.Transcript.Select(e => e.Model));
    }

    [Fact]
    public async Task A_role_without_a_model_is_refused_with_no_model()
    {
        using var models = ModelServices.Create(Some.Options(_server) with { Model = null, TaskModel = "openai:task-model" });
        var chat = models.OpenSession("s");

        var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("a", ChatRole.Meta), CancellationToken.None));

        Assert.Equal("no-model", error.Code);
        Assert.Contains("--meta-model", error.Message);
        Assert.False(models.HasModel(ChatRole.Meta));
        Assert.True(models.HasModel(ChatRole.Task));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_malformed_request_from_the_agent_is_bad_request_and_never_sent()
    {
        using var models = ModelServices.Create(Some.Options(_server));
        var chat = models.OpenSession("s");
        var badSchema = new ChatRequest([ChatMessage.User("x")], [new ChatTool("t", "d", "{not json")]);
        var badArguments = new ChatRequest([ChatMessage.User("x"), new ChatMessage(ChatMessageRole.Assistant, string.Empty, [new ToolCall("c", "t", "[1,2]")])]);
        var orphanResult = new ChatRequest([ChatMessage.User("x"), new ChatMessage(ChatMessageRole.Tool, "r")]);

        foreach (var request in new[] { badSchema, badArguments, orphanResult })
        {
            var error = await Assert.ThrowsAsync<ChatUnavailableException>(() => chat.CompleteAsync(request, CancellationToken.None));
            Assert.Equal("bad-request", error.Code);
        }

        Assert.Empty(_server.Requests);
        Assert.Equal(3, chat.Transcript.Count);
    }

    [Fact]
    public async Task Ensemble_draws_are_seeded_and_weighted()
    {
        _server.Responder = _ => ScriptedReply.Reply("ok");
        var options = Some.Options(_server) with { Model = null, Ensemble = ["openai:big:1", "openai:small:3"], EnsembleSeed = 7 };

        async Task<List<string?>> Run()
        {
            var before = _server.Requests.Count;
            using var models = ModelServices.Create(options);
            var chat = models.OpenSession("variant-9");
            for (var i = 0; i < 40; i++)
            {
                await chat.CompleteAsync(Some.Ask($"q{i}"), CancellationToken.None);
            }

            return [.. _server.Requests.Skip(before).Select(r => r.Model)];
        }

        var first = await Run();
        var second = await Run();

        Assert.Equal(first, second);
        Assert.Contains("big", first);
        Assert.True(first.Count(m => m == "small") > first.Count(m => m == "big"), string.Join(",", first));
    }

    [Fact]
    public async Task A_session_pinned_to_an_ensemble_member_sends_every_meta_call_to_it_and_task_calls_still_draw()
    {
        _server.Responder = _ => ScriptedReply.Reply("ok");
        var options = Some.Options(_server) with { Model = null, Ensemble = ["openai:big:1", "openai:small:3"], EnsembleSeed = 7 };
        using var models = ModelServices.Create(options);
        var chat = models.OpenSession("attempt-3/meta", metaArm: 0);
        for (var i = 0; i < 20; i++)
        {
            await chat.CompleteAsync(Some.Ask($"m{i}", ChatRole.Meta), CancellationToken.None);
        }

        Assert.All(_server.Requests, r => Assert.Equal("big", r.Model));
        for (var i = 0; i < 20; i++)
        {
            await chat.CompleteAsync(Some.Ask($"t{i}", ChatRole.Task), CancellationToken.None);
        }

        Assert.Contains(_server.Requests.Skip(20), r => r.Model == "small");
        Assert.Throws<ArgumentOutOfRangeException>(() => models.OpenSession("x", metaArm: 2));
    }
}
