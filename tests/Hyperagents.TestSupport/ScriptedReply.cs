namespace Hyperagents.TestSupport;

/// <summary>What a <see cref="ScriptedOpenAiServer"/> does with one request.</summary>
public enum ScriptedKind
{
    /// <summary>An assistant message with text and/or tool calls, streamed when the request asks for it.</summary>
    Completion,
    /// <summary>HTTP 429 with a <c>retry-after</c> header.</summary>
    RateLimited,
    /// <summary>An HTTP error status with an OpenAI-shaped error body.</summary>
    Error,
    /// <summary>HTTP 200 whose body is not JSON (or, streamed, a chunk that is not JSON).</summary>
    Malformed,
    /// <summary>HTTP 200 with an empty <c>choices</c> array.</summary>
    NoChoices,
    /// <summary>No response until the client gives up.</summary>
    Hang,
    /// <summary>Streamed: headers and one chunk, then nothing until the client gives up.</summary>
    StallAfterHeaders,
}

/// <summary>A tool call in a scripted reply.</summary>
/// <param name="Id">The call id.</param>
/// <param name="Name">The tool name.</param>
/// <param name="ArgumentsJson">The arguments as the model would send them (a JSON string, possibly malformed).</param>
public sealed record ScriptedToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>One scripted response of the stand-in model server.</summary>
public sealed record ScriptedReply
{
    private ScriptedReply(ScriptedKind kind) => Kind = kind;

    /// <summary>What the server does.</summary>
    public ScriptedKind Kind { get; }

    /// <summary>The assistant text; <see langword="null"/> sends <c>"content": null</c>.</summary>
    public string? Text { get; init; }

    /// <summary>Tool calls of the assistant message.</summary>
    public IReadOnlyList<ScriptedToolCall> ToolCalls { get; init; } = [];

    /// <summary>The finish reason; by default <c>tool_calls</c> when there are calls, else <c>stop</c>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Prompt tokens reported, or <see langword="null"/> to report no usage at all.</summary>
    public int? PromptTokens { get; init; } = 10;

    /// <summary>Completion tokens reported.</summary>
    public int CompletionTokens { get; init; } = 5;

    /// <summary>The HTTP status of an <see cref="ScriptedKind.Error"/>.</summary>
    public int Status { get; init; } = 200;

    /// <summary>The <c>retry-after</c> header value, in seconds, of a <see cref="ScriptedKind.RateLimited"/>.</summary>
    public int RetryAfterSeconds { get; init; }

    /// <summary>A <c>retry-after-ms</c> header value of a <see cref="ScriptedKind.RateLimited"/>, or <see langword="null"/>.</summary>
    public int? RetryAfterMilliseconds { get; init; }

    /// <summary>Extra text for the error body (e.g. to check that the client scrubs it).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>A wait before responding; cut short when the client disconnects.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>A plain text reply.</summary>
    /// <param name="text">The text.</param>
    /// <param name="promptTokens">Prompt tokens reported; <see langword="null"/> for no usage.</param>
    /// <param name="completionTokens">Completion tokens reported.</param>
    public static ScriptedReply Reply(string text, int? promptTokens = 10, int completionTokens = 5) =>
        new(ScriptedKind.Completion) { Text = text, PromptTokens = promptTokens, CompletionTokens = completionTokens };

    /// <summary>A reply that calls tools.</summary>
    /// <param name="calls">The calls.</param>
    public static ScriptedReply Calls(params ScriptedToolCall[] calls) =>
        new(ScriptedKind.Completion) { ToolCalls = calls };

    /// <summary>HTTP 429 with <c>retry-after</c>.</summary>
    /// <param name="retryAfterSeconds">The header's seconds.</param>
    public static ScriptedReply RateLimited(int retryAfterSeconds = 0) =>
        new(ScriptedKind.RateLimited) { Status = 429, RetryAfterSeconds = retryAfterSeconds };

    /// <summary>An HTTP error.</summary>
    /// <param name="status">The status, e.g. 500.</param>
    /// <param name="message">The error body's message.</param>
    public static ScriptedReply Error(int status = 500, string? message = null) =>
        new(ScriptedKind.Error) { Status = status, ErrorMessage = message };

    /// <summary>HTTP 200 with a body that is not JSON.</summary>
    public static ScriptedReply Malformed() => new(ScriptedKind.Malformed);

    /// <summary>HTTP 200 with no choices.</summary>
    public static ScriptedReply NoChoices() => new(ScriptedKind.NoChoices);

    /// <summary>HTTP 200 with one choice whose content is empty and no tool calls.</summary>
    public static ScriptedReply EmptyContent() => new(ScriptedKind.Completion) { Text = string.Empty };

    /// <summary>Never answers.</summary>
    public static ScriptedReply Hang() => new(ScriptedKind.Hang);

    /// <summary>Streams headers and a first chunk, then stalls.</summary>
    public static ScriptedReply StallAfterHeaders() => new(ScriptedKind.StallAfterHeaders);
}
