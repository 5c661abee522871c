using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Hyperagents.Archive;
using Hyperagents.Engine;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Models;

namespace Hyperagents.Cli.Runs;

/// <summary>The loop's view of <see cref="ModelServices"/>: one <see cref="ChatService"/> per agent call, its usage for
/// provenance and its exchanges for the transcript (one JSON line, <c>{"type":"model","exchanges":[...]}</c>).</summary>
internal sealed class CliModelAccess(ModelServices models) : IModelAccess
{
    private readonly ConcurrentDictionary<string, ChatService> _sessions = new();

    public string? ExhaustedReason => models.Ledger.ExhaustedReason;

    public IChatService? OpenMeta(string session) => models.HasModel(ChatRole.Meta) ? Open(session) : null;

    public IChatService? OpenTask(string session) => models.HasModel(ChatRole.Task) ? Open(session) : null;

    public ModelUsage? UsageOf(string session)
    {
        if (!_sessions.TryGetValue(session, out var chat) || chat.Transcript.Count == 0)
        {
            return null;
        }

        var usage = chat.Usage;
        var last = chat.Transcript[^1];
        // The exchange names the model as its spec (provider:id); provenance keeps provider and id apart.
        var model = last.Provider is { Length: > 0 } p && last.Model?.StartsWith(p + ":", StringComparison.Ordinal) == true ? last.Model[(p.Length + 1)..] : last.Model;
        return new ModelUsage(last.Provider, model, usage.InputTokens, usage.OutputTokens, (int)usage.Calls, usage.CostUsd);
    }

    public string? TranscriptOf(string session)
    {
        if (!_sessions.TryGetValue(session, out var chat) || chat.Transcript.Count == 0)
        {
            return null;
        }

        var line = new JsonObject { ["type"] = "model", ["exchanges"] = JsonNode.Parse(chat.TranscriptJson()) };
        return line.ToJsonString() + "\n";
    }

    private ChatService Open(string session) => _sessions.GetOrAdd(session, models.OpenSession);
}
