using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Hyperagents.Hosting.Sessions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Hyperagents.Models;

/// <summary>The language model of one agent session (variant): maps SDK requests to Microsoft.Extensions.AI, applies
/// the role's model, meters tokens and money into the run's <see cref="TokenLedger"/>, enforces the budgets, and
/// records every exchange in <see cref="Transcript"/>. Thread-safe.</summary>
/// <remarks>
/// Tools are offered as declarations only and never invoked here: the agent runs its own tool loop. Every failure
/// reaches the agent as a <see cref="ChatUnavailableException"/> with a stable code — <c>no-model</c>,
/// <c>budget-exhausted</c>, <c>model-failed</c> (HTTP failure after retries, timeout, malformed or empty reply),
/// <c>bad-request</c> (a malformed request from the agent), <c>replay-miss</c> — and is recorded; it never crashes
/// the run. Only the caller's own cancellation propagates as <see cref="OperationCanceledException"/>.
/// </remarks>
public sealed class ChatService : IChatService
{
    private const int CharactersPerToken = 4;
    private readonly ModelServices _services;
    private readonly ILogger _logger;
    private readonly List<ModelExchange> _transcript = [];
    private readonly CarriedBudget? _carried;
    private UsageTotals _usage = UsageTotals.Zero;
    private int _sequence;

    internal ChatService(ModelServices services, string session, ILogger logger, int? metaArm = null, CarriedBudget? carried = null)
    {
        _services = services;
        _logger = logger;
        Session = session;
        MetaArm = metaArm;
        _carried = carried;
    }

    /// <summary>The meta ensemble member every meta call of this session uses (the model bandit's choice), or
    /// <see langword="null"/> for the seeded weighted draw per call.</summary>
    public int? MetaArm { get; }

    /// <summary>The session (variant) id, the key of its totals in the ledger.</summary>
    public string Session { get; }

    /// <summary>Every exchange of this session, in call order.</summary>
    public IReadOnlyList<ModelExchange> Transcript
    {
        get
        {
            lock (_transcript)
            {
                return [.. _transcript.OrderBy(e => e.Sequence)];
            }
        }
    }

    /// <summary>This session's token and money totals: the calls of this chat service only (another service opened
    /// with the same session id, such as the same attempt sent to a node again, counts its own).</summary>
    public UsageTotals Usage
    {
        get
        {
            lock (_transcript)
            {
                return _usage;
            }
        }
    }

    /// <summary>The transcript as JSON, for the archive.</summary>
    public string TranscriptJson() => ModelExchange.ToJson(Transcript);

    /// <inheritdoc/>
    public async Task<ChatReply> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // The transcript keeps its own copy: callers (in-process agents, tests) may keep appending to their lists.
        request = request with { Messages = request.Messages is null ? [] : [.. request.Messages], Tools = request.Tools is null ? null : [.. request.Tools] };
        var sequence = Interlocked.Increment(ref _sequence);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var options = _services.Options;
        var temperature = request.Temperature is { } t && double.IsFinite(t) ? Math.Clamp(t, 0, 2) : options.Temperature;
        var maxOutput = request.MaxOutputTokens is { } m && m > 0 ? Math.Min(m, options.MaxOutputTokens) : options.MaxOutputTokens;
        var draft = new ModelExchange(Session, sequence, request.Role, string.Empty, string.Empty, null, started, 0, request, temperature, maxOutput, options.Stream, string.Empty, [], null, null, null);

        List<Microsoft.Extensions.AI.ChatMessage> messages;
        ChatOptions chatOptions;
        try
        {
            messages = ChatMapping.ToAiMessages(request.Messages);
            chatOptions = ChatMapping.ToAiOptions(request.Tools, temperature, maxOutput);
        }
        catch (ChatUnavailableException ex)
        {
            throw Refuse(draft, clock, ex);
        }

        draft = draft with { Fingerprint = RequestFingerprint.Compute(messages, chatOptions) };
        var route = _services.Route(request.Role, Session, sequence, request.Role == ChatRole.Meta ? MetaArm : null);
        if (route is null)
        {
            throw Refuse(draft, clock, new ChatUnavailableException("no-model", $"No language model is configured for the {request.Role.ToString().ToLowerInvariant()} role; run with --model <provider>:<model-id> (or --{request.Role.ToString().ToLowerInvariant()}-model)."));
        }

        draft = draft with { Provider = route.Provider, Model = route.Model, Endpoint = route.Endpoint };
        if (Spent() is { } spent)
        {
            throw Refuse(draft, clock, new ChatUnavailableException("budget-exhausted", spent));
        }

        chatOptions.ModelId = route.ModelId;
        var trace = new CallTrace();
        ChatResponse? response = null;
        ExchangeUsage? usage = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await _services.EnterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Calls that waited for a slot may find the budget spent by the calls they waited for.
                if (Spent() is { } spentMeanwhile)
                {
                    throw Refuse(draft, clock, new ChatUnavailableException("budget-exhausted", spentMeanwhile));
                }

                deadline.CancelAfter(options.CallTimeout);
                CallTrace.Begin(trace);
                response = options.Stream
                    ? await route.Client.GetStreamingResponseAsync(messages, chatOptions, deadline.Token).ToChatResponseAsync(deadline.Token).ConfigureAwait(false)
                    : await route.Client.GetResponseAsync(messages, chatOptions, deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                _services.Exit();
            }

            usage = Charge(route, response, messages);
            var reply = ChatMapping.ToReply(response, usage.InputTokens, usage.OutputTokens);
            Record(draft with { Attempts = trace.Attempts, Reply = reply, Usage = usage, LatencyMs = clock.Elapsed.TotalMilliseconds });
            _logger.LogDebug("Model call {Session}#{Sequence} {Model}: {Input} in, {Output} out, {Attempts} attempt(s), {Elapsed} ms", Session, sequence, route.Model, usage.InputTokens, usage.OutputTokens, trace.Attempts.Count, (long)clock.Elapsed.TotalMilliseconds);
            return reply;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Record(draft with { Attempts = trace.Attempts, Usage = usage, LatencyMs = clock.Elapsed.TotalMilliseconds, Error = new ExchangeError("cancelled", "The caller cancelled the call (its deadline passed).") });
            throw;
        }
        catch (Exception ex) when (ex is not ChatUnavailableException)
        {
            var failure = Classify(ex, route, trace, clock.Elapsed);
            throw Refuse(draft with { Attempts = trace.Attempts, Usage = usage }, clock, failure);
        }
    }

    private ChatUnavailableException Classify(Exception ex, ModelRoute route, CallTrace trace, TimeSpan elapsed)
    {
        var attempts = trace.Attempts.Count;
        var scrub = _services.Scrubber;
        return ex switch
        {
            ReplayMissException => new ChatUnavailableException("replay-miss", ex.Message),
            ReplayedFailureException replayed => new ChatUnavailableException(replayed.Code, replayed.Message),
            ModelReplyException => new ChatUnavailableException("model-failed", $"{route.Model}: {ex.Message}"),
            OperationCanceledException or Polly.Timeout.TimeoutRejectedException => new ChatUnavailableException("model-failed",
                $"{route.Model} did not answer within {Seconds(elapsed)} s ({attempts} attempt(s); attempt timeout {Seconds(_services.Options.AttemptTimeout)} s, call timeout {Seconds(_services.Options.CallTimeout)} s)."),
            _ when trace.Last is { Error: { } last } => new ChatUnavailableException("model-failed", scrub.Scrub($"{route.Model} failed after {attempts} attempt(s): {last}{Hint(trace.Last.Status, route)}")),
            _ => new ChatUnavailableException("model-failed", scrub.Scrub($"{route.Model} sent a reply that could not be read ({attempts} attempt(s)): {ex.GetType().Name}: {FirstLine(ex.Message)}")),
        };
    }

    private static string Hint(int? status, ModelRoute route) => status switch
    {
        401 or 403 => " (check the key in the variable named by --api-key-env, OPENAI_API_KEY or ANTHROPIC_API_KEY)",
        404 => $" (check the model id and the endpoint {route.Endpoint}; OpenAI-compatible servers usually serve under /v1)",
        _ => string.Empty,
    };

    private ExchangeUsage Charge(ModelRoute route, ChatResponse response, List<Microsoft.Extensions.AI.ChatMessage> messages)
    {
        long input, output;
        var estimated = response.Usage?.InputTokenCount is null || response.Usage?.OutputTokenCount is null;
        if (estimated)
        {
            input = response.Usage?.InputTokenCount ?? Estimate(messages.Sum(m => Length(m)));
            output = response.Usage?.OutputTokenCount ?? Estimate(response.Messages.Sum(m => Length(m)));
        }
        else
        {
            input = Math.Max(0, response.Usage!.InputTokenCount!.Value);
            output = Math.Max(0, response.Usage.OutputTokenCount!.Value);
        }

        var cost = _services.Price(route, input, output);
        lock (_transcript)
        {
            _usage = _usage.Add(input, output, cost);
        }

        _services.Ledger.Record(Session, route.Model, input, output, cost);
        return new ExchangeUsage(input, output, TokenLedger.Equivalent(input, output), cost, estimated);
    }

    /// <summary>Why a call is refused for budget: this process's ledger is spent, or (a session sent here from a run
    /// elsewhere) the run's budget it carries is.</summary>
    private string? Spent() => _services.Ledger.ExhaustedReason ?? _carried?.ExhaustedReason(Usage);

    private static long Estimate(long characters) => (characters + CharactersPerToken - 1) / CharactersPerToken;

    private static long Length(Microsoft.Extensions.AI.ChatMessage message) => message.Contents.Sum(c => (long)(c switch
    {
        TextContent text => text.Text.Length,
        FunctionCallContent call => call.Name.Length + (call.Arguments?.Sum(a => a.Key.Length + (a.Value?.ToString()?.Length ?? 0)) ?? 0),
        FunctionResultContent result => result.Result?.ToString()?.Length ?? 0,
        _ => 0,
    }));

    private ChatUnavailableException Refuse(ModelExchange draft, Stopwatch clock, ChatUnavailableException error)
    {
        var message = _services.Scrubber.Scrub(error.Message);
        Record(draft with { LatencyMs = clock.Elapsed.TotalMilliseconds, Error = new ExchangeError(error.Code, message) });
        _logger.LogWarning("Model call {Session}#{Sequence} refused ({Code}): {Message}", Session, draft.Sequence, error.Code, message);
        return message == error.Message ? error : new ChatUnavailableException(error.Code, message);
    }

    private void Record(ModelExchange exchange)
    {
        lock (_transcript)
        {
            _transcript.Add(exchange);
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length <= 300 ? line : line[..300] + "…";
    }

    internal static int Pick(IReadOnlyList<WeightedModel> members, int seed, string session, ChatRole role, int sequence)
    {
        if (members.Count == 1)
        {
            return 0;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}|{session}|{role}|{sequence}"));
        var unit = (BitConverter.ToUInt64(hash, 0) >> 11) * (1.0 / (1UL << 53));
        var target = unit * members.Sum(m => m.Weight);
        for (var i = 0; i < members.Count; i++)
        {
            target -= members[i].Weight;
            if (target < 0)
            {
                return i;
            }
        }

        return members.Count - 1;
    }
}
