using System.Diagnostics;
using Hyperagents.Models;

namespace Hyperagents.Bench.Models;

/// <summary>The host's own cost per model call — SDK ↔ M.E.AI mapping, two request fingerprints, metering and
/// recording — measured through <see cref="ChatService"/> over a <see cref="ReplayChatClient"/>, so no network time
/// is counted.</summary>
public sealed class ModelOverheadBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "models";

    /// <inheritdoc/>
    public string Description => "host overhead of one model call (mapping, fingerprint, ledger, transcript), no network";

    /// <inheritdoc/>
    public async Task<int> RunAsync(string[] args)
    {
        const int Calls = 2_000;
        const int Turns = 40;
        var tools = new[]
        {
            new ChatTool("read_file", "Reads a file.", """{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}"""),
            new ChatTool("write_file", "Writes a file.", """{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}}}"""),
        };
        var requests = new List<ChatRequest>();
        var recorded = new List<ModelExchange>();
        for (var i = 0; i < Calls; i++)
        {
            var messages = new List<ChatMessage> { ChatMessage.System("You improve a C# agent."), ChatMessage.User($"Goal {i}") };
            for (var t = 0; t < Turns; t++)
            {
                messages.Add(new ChatMessage(ChatMessageRole.Assistant, string.Empty, [new ToolCall($"c{t}", "read_file", $$"""{"path":"task/File{{t}}.cs"}""")]));
                messages.Add(ChatMessage.ToolResult($"c{t}", new string('x', 400)));
            }

            var request = new ChatRequest(messages, tools) { Role = ChatRole.Meta };
            requests.Add(request);
            recorded.Add(new ModelExchange("bench", i + 1, ChatRole.Meta, "openai", "openai:bench", null, DateTimeOffset.UnixEpoch, 0, request, 0, 4096, false, string.Empty, [],
                new ChatReply("done", [], "stop", 1000, 10), new ExchangeUsage(1000, 10, 260, 0m, false), null));
        }

        using var models = ModelServices.CreateReplay(recorded);
        var chat = models.OpenSession("bench");
        var samples = new List<double>(Calls);
        var before = Stats.RssMiB();
        foreach (var request in requests)
        {
            var clock = Stopwatch.StartNew();
            await chat.CompleteAsync(request, CancellationToken.None);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"models: {Calls} calls of {2 + 2 * Turns} messages with 2 tools through ChatService + ReplayChatClient");
        Console.WriteLine($"  median {Stats.Median(samples):0.000} ms, p95 {Stats.Quantile(samples, 0.95):0.000} ms, RSS +{Stats.RssMiB() - before:0} MiB");
        var met = Stats.Target("median overhead per call", Stats.Median(samples), 2.0, "ms");
        return met ? 0 : 1;
    }
}
