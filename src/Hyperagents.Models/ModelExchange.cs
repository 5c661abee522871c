using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hyperagents.Models;

/// <summary>One model call of a session as recorded in its transcript: the request, the reply or the failure, usage,
/// latency and every HTTP attempt. Never holds an API key or an auth header.</summary>
/// <param name="Session">The session (variant) id.</param>
/// <param name="Sequence">The call's number within the session, from 1.</param>
/// <param name="Role">The role whose model answered.</param>
/// <param name="Provider">The provider (<c>openai</c>, <c>anthropic</c>, <c>replay</c>), or empty when refused before one was chosen.</param>
/// <param name="Model">The model spec that answered, e.g. <c>openai:gpt-4.1</c>.</param>
/// <param name="Endpoint">The base URL called (no credentials), or <see langword="null"/>.</param>
/// <param name="StartedAt">When the call started.</param>
/// <param name="LatencyMs">Wall time of the call, retries included, in milliseconds.</param>
/// <param name="Request">The request as the agent sent it.</param>
/// <param name="Temperature">The temperature applied.</param>
/// <param name="MaxOutputTokens">The output cap applied.</param>
/// <param name="Streamed">Whether the reply was streamed.</param>
/// <param name="Fingerprint">SHA-256 of the canonical request (messages, tools, options); the replay key.</param>
/// <param name="Attempts">Every HTTP attempt, in order.</param>
/// <param name="Reply">The reply, or <see langword="null"/> on failure.</param>
/// <param name="Usage">Tokens and money charged, or <see langword="null"/> when nothing was charged.</param>
/// <param name="Error">The failure, or <see langword="null"/> on success.</param>
public sealed record ModelExchange(
    string Session,
    int Sequence,
    ChatRole Role,
    string Provider,
    string Model,
    string? Endpoint,
    DateTimeOffset StartedAt,
    double LatencyMs,
    ChatRequest Request,
    double Temperature,
    int MaxOutputTokens,
    bool Streamed,
    string Fingerprint,
    IReadOnlyList<ExchangeAttempt> Attempts,
    ChatReply? Reply,
    ExchangeUsage? Usage,
    ExchangeError? Error)
{
    /// <summary>How many HTTP attempts the call took (0 when refused before reaching a model).</summary>
    [JsonIgnore]
    public int AttemptCount => Attempts.Count;

    /// <summary>Writes a transcript as JSON.</summary>
    /// <param name="exchanges">The exchanges.</param>
    public static string ToJson(IReadOnlyList<ModelExchange> exchanges) =>
        JsonSerializer.Serialize(exchanges, ModelJson.Default.IReadOnlyListModelExchange);

    /// <summary>Reads a transcript written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON.</param>
    /// <exception cref="JsonException">The JSON is not a transcript.</exception>
    public static IReadOnlyList<ModelExchange> ReadTranscript(string json) =>
        JsonSerializer.Deserialize(json, ModelJson.Default.IReadOnlyListModelExchange) ?? throw new JsonException("The transcript is null.");
}

/// <summary>One HTTP attempt of a call.</summary>
/// <param name="Number">The attempt number, from 1.</param>
/// <param name="Status">The HTTP status, or <see langword="null"/> when no response came.</param>
/// <param name="LatencyMs">Time to the response headers (or the failure), in milliseconds.</param>
/// <param name="Error">What went wrong (status reason, timeout, connection failure), or <see langword="null"/>.</param>
/// <param name="RetryAfterMs">The server's <c>retry-after</c>, in milliseconds, when it sent one.</param>
public sealed record ExchangeAttempt(int Number, int? Status, double LatencyMs, string? Error, double? RetryAfterMs);

/// <summary>Tokens and money charged for a call.</summary>
/// <param name="InputTokens">Input tokens.</param>
/// <param name="OutputTokens">Output tokens.</param>
/// <param name="EquivalentTokens">T_out + 0.25·T_in.</param>
/// <param name="CostUsd">Money, priced by the price table.</param>
/// <param name="Estimated">Whether the server reported no usage and the figures are estimated (4 characters a token).</param>
public sealed record ExchangeUsage(long InputTokens, long OutputTokens, double EquivalentTokens, decimal CostUsd, bool Estimated);

/// <summary>Why a call failed.</summary>
/// <param name="Code">The stable code the agent sees: <c>no-model</c>, <c>budget-exhausted</c>, <c>model-failed</c>,
/// <c>bad-request</c> or <c>replay-miss</c>.</param>
/// <param name="Message">What happened.</param>
public sealed record ExchangeError(string Code, string Message);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(IReadOnlyList<ModelExchange>))]
[JsonSerializable(typeof(ModelExchange))]
[JsonSerializable(typeof(TokenLedgerState))]
[JsonSerializable(typeof(ModelOptions.ConfigFile))]
internal sealed partial class ModelJson : JsonSerializerContext;
