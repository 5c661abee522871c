using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hyperagents.TestSupport;

/// <summary>A request the stand-in received, headers included (so a test can check the client sent its
/// <c>Authorization</c> header — and that nothing of ours recorded it).</summary>
/// <param name="Number">The request's number, from 1.</param>
/// <param name="Path">The request path.</param>
/// <param name="Headers">Every request header.</param>
/// <param name="Body">The request body.</param>
/// <param name="At">When it arrived, since the server started.</param>
public sealed record ReceivedRequest(int Number, string Path, IReadOnlyDictionary<string, string> Headers, string Body, TimeSpan At)
{
    /// <summary>The body as JSON.</summary>
    public JsonNode? Json => JsonNode.Parse(Body);

    /// <summary>Whether the client asked for a streamed reply.</summary>
    public bool Stream => Json?["stream"]?.GetValue<bool>() == true;

    /// <summary>The model the client asked for.</summary>
    public string? Model => Json?["model"]?.GetValue<string>();
}

/// <summary>A scripted stand-in for a language model: an OpenAI-compatible chat-completions server (Kestrel on
/// 127.0.0.1, an ephemeral port) that answers <c>POST /v1/chat/completions</c> and <c>POST /chat/completions</c>
/// from a queue of scripted replies — streamed (SSE <c>data:</c> chunks and <c>[DONE]</c>) when the request asks for
/// it, else one JSON body. It is not a model: it returns exactly what the test scripted. <c>POST /v1/messages</c>
/// answers completions in the Anthropic messages shape (not streamed), so the Anthropic client can be exercised too;
/// error kinds are answered the same way on every path.</summary>
public sealed class ScriptedOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Queue<ScriptedReply> _script = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TaskCompletionSource _gate;
    private int _current;
    private int _max;
    private int _number;

    private ScriptedOpenAiServer(WebApplication app)
    {
        _app = app;
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate.SetResult();
    }

    /// <summary>The base URL to configure as the endpoint, e.g. <c>http://127.0.0.1:41234/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Answers when the script is empty; <see langword="null"/> answers HTTP 500 "no reply scripted".</summary>
    public Func<ReceivedRequest, ScriptedReply>? Responder { get; set; }

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Requests being handled now.</summary>
    public int CurrentRequests => Volatile.Read(ref _current);

    /// <summary>The most requests ever handled at once.</summary>
    public int MaxConcurrentRequests => Volatile.Read(ref _max);

    /// <summary>Scripted replies not yet served.</summary>
    public int Pending
    {
        get
        {
            lock (_script)
            {
                return _script.Count;
            }
        }
    }

    /// <summary>Starts the server on 127.0.0.1 with an ephemeral port.</summary>
    public static async Task<ScriptedOpenAiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedOpenAiServer(app);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        app.MapPost("/chat/completions", server.HandleAsync);
        app.MapPost("/v1/messages", server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/v1");
        return server;
    }

    /// <summary>Appends replies to the script.</summary>
    /// <param name="replies">The replies, served in order.</param>
    public ScriptedOpenAiServer Enqueue(params ScriptedReply[] replies)
    {
        lock (_script)
        {
            foreach (var reply in replies)
            {
                _script.Enqueue(reply);
            }
        }

        return this;
    }

    /// <summary>Holds every request (counted as in flight) until <see cref="Release"/>.</summary>
    public void Hold() => Interlocked.Exchange(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Lets held requests go on.</summary>
    public void Release() => _gate.TrySetResult();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var now = Interlocked.Increment(ref _current);
        int seen;
        while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
        {
        }

        var aborted = context.RequestAborted;
        try
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(aborted).ConfigureAwait(false);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            ReceivedRequest request;
            lock (_requests)
            {
                request = new ReceivedRequest(++_number, context.Request.Path, headers, body, _clock.Elapsed);
                _requests.Add(request);
            }

            await _gate.Task.WaitAsync(aborted).ConfigureAwait(false);
            ScriptedReply? reply;
            lock (_script)
            {
                _script.TryDequeue(out reply);
            }

            reply ??= Responder?.Invoke(request) ?? ScriptedReply.Error(500, "scripted stand-in: no reply scripted for this request");
            if (reply.Delay > TimeSpan.Zero)
            {
                await Task.Delay(reply.Delay, aborted).ConfigureAwait(false);
            }

            await RespondAsync(context, request, reply, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client gave up (timeout or cancellation): nothing to answer.
        }
        finally
        {
            Interlocked.Decrement(ref _current);
        }
    }

    private static async Task RespondAsync(HttpContext context, ReceivedRequest request, ScriptedReply reply, CancellationToken aborted)
    {
        var response = context.Response;
        var model = request.Model ?? "scripted";
        if (request.Path.EndsWith("/messages", StringComparison.Ordinal) && reply.Kind == ScriptedKind.Completion && !request.Stream)
        {
            await WriteJsonAsync(response, AnthropicMessage(model, reply), aborted).ConfigureAwait(false);
            return;
        }

        switch (reply.Kind)
        {
            case ScriptedKind.RateLimited:
                response.StatusCode = 429;
                response.Headers.RetryAfter = reply.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (reply.RetryAfterMilliseconds is { } ms)
                {
                    response.Headers["retry-after-ms"] = ms.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await WriteJsonAsync(response, ErrorBody("rate_limit_exceeded", reply.ErrorMessage ?? "Rate limit reached (scripted)."), aborted).ConfigureAwait(false);
                return;
            case ScriptedKind.Error:
                response.StatusCode = reply.Status;
                await WriteJsonAsync(response, ErrorBody("server_error", reply.ErrorMessage ?? "The server had an error (scripted)."), aborted).ConfigureAwait(false);
                return;
            case ScriptedKind.Hang:
                await Task.Delay(Timeout.Infinite, aborted).ConfigureAwait(false);
                return;
            case ScriptedKind.Malformed when !request.Stream:
                response.StatusCode = 200;
                response.ContentType = "application/json";
                await response.WriteAsync("{\"id\": \"chatcmpl-broken\", \"choices\": [ {\"index\": 0, \"message\": ", aborted).ConfigureAwait(false);
                return;
            case ScriptedKind.NoChoices when !request.Stream:
                await WriteJsonAsync(response, Completion(model, [], reply), aborted).ConfigureAwait(false);
                return;
            case ScriptedKind.Completion when !request.Stream:
                await WriteJsonAsync(response, Completion(model, [Choice(reply)], reply), aborted).ConfigureAwait(false);
                return;
        }

        response.StatusCode = 200;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(aborted).ConfigureAwait(false);
        switch (reply.Kind)
        {
            case ScriptedKind.Malformed:
                await SendAsync(response, "{\"id\": \"chatcmpl-broken\", \"choices\": [", aborted).ConfigureAwait(false);
                await SendAsync(response, "[DONE]", aborted).ConfigureAwait(false);
                return;
            case ScriptedKind.StallAfterHeaders:
                await SendAsync(response, Chunk(model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null).ToJsonString(), aborted).ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, aborted).ConfigureAwait(false);
                return;
            case ScriptedKind.NoChoices:
                break;
            default:
                await SendAsync(response, Chunk(model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null).ToJsonString(), aborted).ConfigureAwait(false);
                foreach (var piece in Pieces(reply.Text ?? string.Empty, 3))
                {
                    await SendAsync(response, Chunk(model, new JsonObject { ["content"] = piece }, null).ToJsonString(), aborted).ConfigureAwait(false);
                }

                for (var i = 0; i < reply.ToolCalls.Count; i++)
                {
                    var call = reply.ToolCalls[i];
                    var first = new JsonObject { ["index"] = i, ["id"] = call.Id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" } };
                    await SendAsync(response, Chunk(model, new JsonObject { ["tool_calls"] = new JsonArray(first) }, null).ToJsonString(), aborted).ConfigureAwait(false);
                    foreach (var piece in Pieces(call.ArgumentsJson, 2))
                    {
                        var more = new JsonObject { ["index"] = i, ["function"] = new JsonObject { ["arguments"] = piece } };
                        await SendAsync(response, Chunk(model, new JsonObject { ["tool_calls"] = new JsonArray(more) }, null).ToJsonString(), aborted).ConfigureAwait(false);
                    }
                }

                await SendAsync(response, Chunk(model, new JsonObject(), Finish(reply)).ToJsonString(), aborted).ConfigureAwait(false);
                break;
        }

        if (reply.PromptTokens is not null && request.Json?["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            var usage = Completion(model, [], reply);
            usage["object"] = "chat.completion.chunk";
            await SendAsync(response, usage.ToJsonString(), aborted).ConfigureAwait(false);
        }

        await SendAsync(response, "[DONE]", aborted).ConfigureAwait(false);
    }

    private static JsonObject Completion(string model, JsonNode[] choices, ScriptedReply reply)
    {
        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-scripted",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(choices),
        };
        if (reply.PromptTokens is { } prompt)
        {
            completion["usage"] = new JsonObject
            {
                ["prompt_tokens"] = prompt,
                ["completion_tokens"] = reply.CompletionTokens,
                ["total_tokens"] = prompt + reply.CompletionTokens,
            };
        }

        return completion;
    }

    private static JsonObject AnthropicMessage(string model, ScriptedReply reply)
    {
        var content = new JsonArray();
        if (!string.IsNullOrEmpty(reply.Text))
        {
            content.Add(new JsonObject { ["type"] = "text", ["text"] = reply.Text });
        }

        foreach (var call in reply.ToolCalls)
        {
            content.Add(new JsonObject { ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = JsonNode.Parse(call.ArgumentsJson) });
        }

        return new JsonObject
        {
            ["id"] = "msg_scripted",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = content,
            ["stop_reason"] = reply.ToolCalls.Count > 0 ? "tool_use" : "end_turn",
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject { ["input_tokens"] = reply.PromptTokens ?? 0, ["output_tokens"] = reply.CompletionTokens },
        };
    }

    private static JsonObject Choice(ScriptedReply reply)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text };
        if (reply.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. reply.ToolCalls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.ArgumentsJson },
            })]);
        }

        return new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = Finish(reply) };
    }

    private static JsonObject Chunk(string model, JsonObject delta, string? finish) => new()
    {
        ["id"] = "chatcmpl-scripted",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
    };

    private static string Finish(ScriptedReply reply) => reply.FinishReason ?? (reply.ToolCalls.Count > 0 ? "tool_calls" : "stop");

    private static JsonObject ErrorBody(string code, string message) =>
        new() { ["error"] = new JsonObject { ["message"] = message, ["type"] = code, ["code"] = code } };

    private static IEnumerable<string> Pieces(string text, int count)
    {
        if (text.Length == 0)
        {
            yield break;
        }

        var size = Math.Max(1, (text.Length + count - 1) / count);
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static async Task WriteJsonAsync(HttpResponse response, JsonNode body, CancellationToken aborted)
    {
        response.ContentType = "application/json";
        await response.WriteAsync(body.ToJsonString(), aborted).ConfigureAwait(false);
    }

    private static async Task SendAsync(HttpResponse response, string data, CancellationToken aborted)
    {
        await response.WriteAsync($"data: {data}\n\n", aborted).ConfigureAwait(false);
        await response.Body.FlushAsync(aborted).ConfigureAwait(false);
    }
}
