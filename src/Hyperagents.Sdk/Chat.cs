using System.Text.Json.Serialization;
using Hyperagents.Transport;

namespace Hyperagents;

/// <summary>A language model, served and metered by the host. The agent never sees a key or an endpoint.</summary>
/// <remarks>
/// Tool calling is native: describe tools in <see cref="ChatRequest.Tools"/>, and the reply's
/// <see cref="ChatReply.ToolCalls"/> says which to run; the agent runs them and sends their results back as
/// <see cref="ChatMessageRole.Tool"/> messages. Every exchange is recorded in the variant's transcript.
/// </remarks>
public sealed class Chat
{
    private readonly IHostChannel _channel;
    private readonly ChatRole _role;

    internal Chat(IHostChannel channel, ChatRole role)
    {
        _channel = channel;
        _role = role;
    }

    /// <summary>Sends the conversation and returns the model's next turn.</summary>
    /// <param name="request">The conversation and the tools on offer.</param>
    /// <exception cref="HostCallException">
    /// No model is configured (<c>no-model</c>), the budget is spent (<c>budget-exhausted</c>), or the model failed.
    /// </exception>
    public ValueTask<ChatReply> CompleteAsync(ChatRequest request) =>
        _channel.CallAsync(Capabilities.Chat, request with { Role = _role }, SdkJson.Default.ChatRequest, SdkJson.Default.ChatReply);
}

/// <summary>Which configured model answers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChatRole>))]
public enum ChatRole
{
    /// <summary>The model of the task role.</summary>
    Task,
    /// <summary>The model of the meta role.</summary>
    Meta,
}

/// <summary>One chat completion request.</summary>
/// <param name="Messages">The conversation so far.</param>
/// <param name="Tools">Tools the model may call; empty for none.</param>
/// <param name="Temperature">Sampling temperature; <see langword="null"/> for the host's default (0).</param>
/// <param name="MaxOutputTokens">Cap on the reply's tokens; <see langword="null"/> for the host's default.</param>
public sealed record ChatRequest(
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<ChatTool>? Tools = null,
    double? Temperature = null,
    int? MaxOutputTokens = null)
{
    /// <summary>The role whose model answers; set by the SDK from the context the chat came from.</summary>
    public ChatRole Role { get; init; }
}

/// <summary>Who said a message.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChatMessageRole>))]
public enum ChatMessageRole
{
    /// <summary>Instructions.</summary>
    System,
    /// <summary>The user (here: the agent speaking for the task).</summary>
    User,
    /// <summary>The model.</summary>
    Assistant,
    /// <summary>The result of a tool call.</summary>
    Tool,
}

/// <summary>One message of a conversation.</summary>
/// <param name="Role">Who said it.</param>
/// <param name="Text">Its text; may be empty for an assistant turn that only calls tools.</param>
/// <param name="ToolCalls">For an assistant turn, the tools it called.</param>
/// <param name="ToolCallId">For a tool message, the id of the call it answers.</param>
public sealed record ChatMessage(
    ChatMessageRole Role,
    string Text,
    IReadOnlyList<ToolCall>? ToolCalls = null,
    string? ToolCallId = null)
{
    /// <summary>A system message.</summary>
    /// <param name="text">The text.</param>
    public static ChatMessage System(string text) => new(ChatMessageRole.System, text);

    /// <summary>A user message.</summary>
    /// <param name="text">The text.</param>
    public static ChatMessage User(string text) => new(ChatMessageRole.User, text);

    /// <summary>The result of a tool call.</summary>
    /// <param name="callId">The call's id.</param>
    /// <param name="result">The result text.</param>
    public static ChatMessage ToolResult(string callId, string result) => new(ChatMessageRole.Tool, result, null, callId);
}

/// <summary>A tool the model may call.</summary>
/// <param name="Name">The tool name.</param>
/// <param name="Description">What it does, for the model.</param>
/// <param name="ParametersSchema">A JSON schema of its arguments object.</param>
public sealed record ChatTool(string Name, string Description, string ParametersSchema);

/// <summary>A tool call the model asked for.</summary>
/// <param name="Id">The call's id, echoed in the result message.</param>
/// <param name="Name">The tool name.</param>
/// <param name="ArgumentsJson">The arguments, a JSON object.</param>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>The model's turn.</summary>
/// <param name="Text">The text of the reply; may be empty when it only calls tools.</param>
/// <param name="ToolCalls">Tools the model wants run; empty when it is done.</param>
/// <param name="FinishReason">Why the model stopped, e.g. <c>stop</c>, <c>tool_calls</c>, <c>length</c>.</param>
/// <param name="InputTokens">Input tokens charged for this call.</param>
/// <param name="OutputTokens">Output tokens charged for this call.</param>
public sealed record ChatReply(
    string Text,
    IReadOnlyList<ToolCall> ToolCalls,
    string FinishReason,
    long InputTokens,
    long OutputTokens)
{
    /// <summary>This reply as an assistant message, to append to the conversation.</summary>
    public ChatMessage ToMessage() => new(ChatMessageRole.Assistant, Text, ToolCalls.Count == 0 ? null : ToolCalls);
}
