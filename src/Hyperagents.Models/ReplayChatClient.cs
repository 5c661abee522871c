using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;

namespace Hyperagents.Models;

using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

/// <summary>Serves recorded replies by request fingerprint, so a recorded <c>ModifySelf</c> runs again
/// deterministically without any endpoint. A request that was not recorded fails loudly with
/// <see cref="ReplayMissException"/>, naming the first message that differs from the closest recording.</summary>
/// <remarks>Each recording is served once, in recorded order among equal fingerprints. A recorded failure is
/// replayed as the same failure (<see cref="ReplayedFailureException"/>). Refusals that never reached a model
/// (<c>no-model</c>, <c>bad-request</c>) are not served: the replaying service refuses them itself.</remarks>
public sealed class ReplayChatClient : IChatClient
{
    private const int ExcerptLength = 60;
    private static readonly System.Text.Json.JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };
    private readonly List<Entry> _entries = [];
    private readonly ChatClientMetadata _metadata = new("replay");
    private readonly object _gate = new();

    /// <summary>Creates a replay of recorded exchanges.</summary>
    /// <param name="recorded">Exchanges from one or more transcripts, in recorded order.</param>
    public ReplayChatClient(IEnumerable<ModelExchange> recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        foreach (var exchange in recorded)
        {
            if (exchange.Reply is null && exchange.Error is not { Code: "model-failed" or "budget-exhausted" })
            {
                continue;
            }

            var messages = ChatMapping.ToAiMessages(exchange.Request.Messages);
            var options = ChatMapping.ToAiOptions(exchange.Request.Tools, exchange.Temperature, exchange.MaxOutputTokens);
            _entries.Add(new Entry(exchange, messages, RequestFingerprint.Compute(messages, options), RequestFingerprint.CanonicalOptions(options)));
        }
    }

    /// <summary>Recordings not yet served.</summary>
    public int Remaining
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count(e => !e.Served);
            }
        }
    }

    /// <inheritdoc/>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var list = messages.ToList();
        var fingerprint = RequestFingerprint.Compute(list, options);
        Entry? hit;
        lock (_gate)
        {
            hit = _entries.FirstOrDefault(e => !e.Served && e.Fingerprint == fingerprint);
            if (hit is not null)
            {
                hit.Served = true;
            }
        }

        if (hit is null)
        {
            throw new ReplayMissException(DescribeMiss(list, options, fingerprint));
        }

        var exchange = hit.Exchange;
        if (exchange.Reply is null)
        {
            throw new ReplayedFailureException(exchange.Error!.Code, exchange.Error.Message);
        }

        var reply = exchange.Reply;
        if (exchange.Usage is { } usage)
        {
            reply = reply with { InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens };
        }

        return Task.FromResult(ChatMapping.ToAiResponse(reply, exchange.Model));
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(_metadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private string DescribeMiss(List<ChatMessage> actual, ChatOptions? options, string fingerprint)
    {
        List<Entry> candidates;
        lock (_gate)
        {
            var same = _entries.Where(e => e.Fingerprint == fingerprint).ToList();
            if (same.Count > 0)
            {
                return $"Replay miss: this request (fingerprint {fingerprint[..12]}) matches call #{same[0].Exchange.Sequence} of session {same[0].Exchange.Session}, which was recorded {same.Count} time(s) and has been served as often.";
            }

            candidates = _entries.Where(e => !e.Served).ToList();
            if (candidates.Count == 0)
            {
                candidates = [.. _entries];
            }
        }

        var head = $"Replay miss: this request (fingerprint {fingerprint[..12]}) was not recorded.";
        if (candidates.Count == 0)
        {
            return head + " The recording has no model calls to serve.";
        }

        var actualRendered = actual.Select(Render).ToList();
        var best = candidates
            .Select(e => (Entry: e, Rendered: e.Messages.Select(Render).ToList()))
            .Select(c => (c.Entry, c.Rendered, Common: CommonPrefix(c.Rendered, actualRendered)))
            .OrderByDescending(c => c.Common)
            .First();
        var where = $"the closest recording is call #{best.Entry.Exchange.Sequence} of session {best.Entry.Exchange.Session}";
        var i = best.Common;
        if (i < best.Rendered.Count && i < actualRendered.Count)
        {
            var (expected, got) = Excerpts(best.Rendered[i], actualRendered[i]);
            var roles = best.Entry.Messages[i].Role == actual[i].Role
                ? $"({actual[i].Role.Value})"
                : $"(expected role {best.Entry.Messages[i].Role.Value}, got {actual[i].Role.Value})";
            return $"{head} First differing message: index {i} {roles}: expected \"{expected}\", got \"{got}\"; {where}.";
        }

        if (i < actualRendered.Count)
        {
            return $"{head} First differing message: index {i} ({actual[i].Role.Value}) \"{Excerpts(string.Empty, actualRendered[i]).Actual}\" is beyond the {best.Rendered.Count} recorded messages; {where}.";
        }

        if (i < best.Rendered.Count)
        {
            return $"{head} First differing message: index {i} ({best.Entry.Messages[i].Role.Value}) \"{Excerpts(best.Rendered[i], string.Empty).Expected}\" was recorded but the request ends after {actualRendered.Count} messages; {where}.";
        }

        var actualOptions = RequestFingerprint.CanonicalOptions(options);
        if (actualOptions != best.Entry.Options)
        {
            var (expected, got) = Excerpts(best.Entry.Options, actualOptions);
            return $"{head} All {actualRendered.Count} messages match, but the tools or options differ: expected \"{expected}\", got \"{got}\"; {where}.";
        }

        return $"{head} It differs from every recording only in what the fingerprint covers beyond messages, tools and options.";
    }

    private static int CommonPrefix(List<string> a, List<string> b)
    {
        var n = 0;
        while (n < a.Count && n < b.Count && a[n] == b[n])
        {
            n++;
        }

        return n;
    }

    private static (string Expected, string Actual) Excerpts(string expected, string actual)
    {
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at])
        {
            at++;
        }

        var start = Math.Max(0, at - 20);
        return (Cut(expected, start), Cut(actual, start));
    }

    private static string Cut(string text, int start)
    {
        if (start >= text.Length)
        {
            return start == 0 ? string.Empty : "…";
        }

        var length = Math.Min(ExcerptLength, text.Length - start);
        return (start > 0 ? "…" : string.Empty) + text.Substring(start, length).ReplaceLineEndings(" ") + (start + length < text.Length ? "…" : string.Empty);
    }

    private static string Render(ChatMessage message)
    {
        var builder = new StringBuilder();
        foreach (var content in message.Contents)
        {
            if (builder.Length > 0)
            {
                builder.Append(' ');
            }

            builder.Append(content switch
            {
                TextContent text => text.Text,
                FunctionCallContent call => $"[call {call.Name} {System.Text.Json.JsonSerializer.Serialize(call.Arguments, CompactJson)}]",
                FunctionResultContent result => $"[result {result.CallId}: {result.Result}]",
                _ => $"[{content.GetType().Name}]",
            });
        }

        return builder.ToString();
    }

    private sealed class Entry(ModelExchange exchange, List<ChatMessage> messages, string fingerprint, string options)
    {
        public ModelExchange Exchange { get; } = exchange;

        public List<ChatMessage> Messages { get; } = messages;

        public string Fingerprint { get; } = fingerprint;

        public string Options { get; } = options;

        public bool Served { get; set; }
    }
}

/// <summary>A replayed request that the recording does not hold.</summary>
/// <param name="message">The first differing message, with expected and actual excerpts.</param>
public sealed class ReplayMissException(string message) : Exception(message);

/// <summary>A recorded failure, served again by <see cref="ReplayChatClient"/>.</summary>
/// <param name="code">The recorded code, e.g. <c>model-failed</c>.</param>
/// <param name="message">The recorded message.</param>
public sealed class ReplayedFailureException(string code, string message) : Exception(message)
{
    /// <summary>The recorded code.</summary>
    public string Code { get; } = code;
}
