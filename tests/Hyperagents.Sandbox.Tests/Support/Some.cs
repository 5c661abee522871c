using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Transport;

namespace Hyperagents.Sandbox.Tests.Support;

/// <summary>Test data.</summary>
public static class Some
{
    public static TaskInvocation Task(int n = 21, ulong seed = 7) =>
        new(new TaskSpec("test", "t" + n, "a test task", new Dictionary<string, string> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null), seed);

    public static MetaInvocation Meta(ulong seed = 7) => new("modify any part of the codebase", seed, ModelAvailable: false, Domains: ["test"]);

    public static RunLimits Limits(TimeSpan? wall = null, long? fuel = null, long? memory = null) => new()
    {
        WallClock = wall ?? TimeSpan.FromSeconds(10),
        Fuel = fuel ?? 20_000_000_000,
        MemoryBytes = memory ?? 256L * 1024 * 1024,
        MaxOutputBytes = 4096,
    };
}

/// <summary>A capability handler that records every request and serves log, budget and a small workspace.</summary>
public sealed class RecordingHandler : ICapabilityHandler
{
    public ConcurrentQueue<(string Capability, string Request)> Requests { get; } = new();

    public Dictionary<string, string> Files { get; } = new() { ["Agent.cs"] = "// seed" };

    public ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        Requests.Enqueue((capability, Encoding.UTF8.GetString(request.Span)));
        switch (capability)
        {
            case Capabilities.Log:
                return Ok(new Ack(), SdkJson.Default.Ack);
            case Capabilities.Budget:
                return Ok(new BudgetStatus(1, null, null, 0), SdkJson.Default.BudgetStatus);
            case Capabilities.WorkspaceRead:
                var path = JsonSerializer.Deserialize(request.Span, SdkJson.Default.PathRequest)!.Path;
                return Files.TryGetValue(path, out var content)
                    ? Ok(new FileContentReply(content), SdkJson.Default.FileContentReply)
                    : ValueTask.FromResult(HostReply.Fail("not-found", $"no file '{path}'"));
            case Capabilities.WorkspaceWrite:
                var write = JsonSerializer.Deserialize(request.Span, SdkJson.Default.WriteRequest)!;
                Files[write.Path] = write.Content;
                return Ok(new Ack(), SdkJson.Default.Ack);
            default:
                return ValueTask.FromResult(HostReply.Fail("unknown-capability", $"'{capability}' is not granted"));
        }
    }

    private static ValueTask<HostReply> Ok<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        ValueTask.FromResult(HostReply.Ok(JsonSerializer.SerializeToUtf8Bytes(value, type)));
}
