using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Transport;

namespace Hyperagents.Testing;

/// <summary>A capability handler that records every request and serves log, budget and an in-memory workspace;
/// chat is refused with <c>no-model</c>. <see cref="Override"/> replaces the answer for chosen capabilities.</summary>
public sealed class RecordingHandler : ICapabilityHandler
{
    private readonly ConcurrentQueue<(string Capability, string Request)> _requests = new();

    public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

    public Func<string, string, CancellationToken, ValueTask<HostReply>?>? Override { get; init; }

    public IReadOnlyList<(string Capability, string Request)> Requests => [.. _requests];

    public IReadOnlyList<string> LogLines => [.. _requests.Where(r => r.Capability == Capabilities.Log)
        .Select(r => JsonSerializer.Deserialize(r.Request, SdkJson.Default.LogRequest)!.Message)];

    public async ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(request.Span);
        _requests.Enqueue((capability, text));
        if (Override?.Invoke(capability, text, cancellationToken) is { } custom)
        {
            return await custom;
        }

        switch (capability)
        {
            case Capabilities.Log:
                return Ok(new Ack(), SdkJson.Default.Ack);
            case Capabilities.Budget:
                return Ok(new BudgetStatus(9.5, 1000, null, 7), SdkJson.Default.BudgetStatus);
            case Capabilities.Chat:
                return HostReply.Fail("no-model", "No model is configured for this role.");
            case Capabilities.WorkspaceRead:
                var read = JsonSerializer.Deserialize(text, SdkJson.Default.PathRequest)!;
                lock (Files)
                {
                    return Files.TryGetValue(read.Path, out var content)
                        ? Ok(new FileContentReply(content), SdkJson.Default.FileContentReply)
                        : HostReply.Fail("not-found", $"No file '{read.Path}'.");
                }

            case Capabilities.WorkspaceWrite:
                var write = JsonSerializer.Deserialize(text, SdkJson.Default.WriteRequest)!;
                lock (Files)
                {
                    Files[write.Path] = write.Content;
                }

                return Ok(new Ack(), SdkJson.Default.Ack);
            default:
                return HostReply.Fail("unknown-capability", $"'{capability}' is not served here.");
        }
    }

    private static HostReply Ok<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        HostReply.Ok(JsonSerializer.SerializeToUtf8Bytes(value, type));
}
