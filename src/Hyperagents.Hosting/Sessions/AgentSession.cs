using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Hyperagents.Transport;

namespace Hyperagents.Hosting.Sessions;

/// <summary>The host side of one entry-point call: serves every SDK capability, checks each request, enforces the
/// session's budgets and records a transcript.</summary>
/// <remarks>
/// A task session serves log, budget, chat and the shared best answer (<see cref="SessionOptions.SharedBest"/>; without
/// a grant the reply is empty, <c>not-granted</c>). A meta session also serves the workspace, lineage, compile, evaluate
/// and the mutation toolkit. Anything else is refused with <c>unknown-capability</c> or <c>not-granted</c>. Request
/// bytes are untrusted: a request that does not parse is refused with <c>bad-request</c>; the role of a chat request
/// is set here, never taken from the guest.
/// </remarks>
public sealed class AgentSession : ICapabilityHandler
{
    private const int RecordCap = 16 * 1024;

    private readonly ChatRole _role;
    private readonly AgentWorkspace? _workspace;
    private readonly IMetaTools? _tools;
    private readonly IChatService? _chat;
    private readonly SessionOptions _options;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<TranscriptEntry> _transcript = [];
    private readonly List<string> _log = [];
    private readonly object _gate = new();
    private int _droppedLogLines;
    private int _evaluations;
    private int _snippets;
    private int _modelCalls;
    private string? _sharedServed;

    private AgentSession(ChatRole role, AgentWorkspace? workspace, IMetaTools? tools, IChatService? chat, SessionOptions options)
    {
        _role = role;
        _workspace = workspace;
        _tools = tools;
        _chat = chat;
        _options = options;
    }

    /// <summary>A session for <c>SolveTask</c>.</summary>
    /// <param name="chat">The task-role model, or <see langword="null"/> when none is configured.</param>
    /// <param name="options">Budgets and caps.</param>
    public static AgentSession ForTask(IChatService? chat, SessionOptions options) =>
        new(ChatRole.Task, null, null, chat, options);

    /// <summary>A session for <c>ModifySelf</c>.</summary>
    /// <param name="workspace">The files being modified.</param>
    /// <param name="tools">Compile, evaluate, mutate and lineage.</param>
    /// <param name="chat">The meta-role model, or <see langword="null"/> when none is configured.</param>
    /// <param name="options">Budgets and caps.</param>
    public static AgentSession ForMeta(AgentWorkspace workspace, IMetaTools tools, IChatService? chat, SessionOptions options) =>
        new(ChatRole.Meta, workspace, tools, chat, options);

    /// <summary>Every request and its answer, in order.</summary>
    public IReadOnlyList<TranscriptEntry> Transcript
    {
        get
        {
            lock (_gate)
            {
                return [.. _transcript];
            }
        }
    }

    /// <summary>The agent's log lines, capped; see <see cref="DroppedLogLines"/>.</summary>
    public IReadOnlyList<string> LogLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Log lines dropped over the cap.</summary>
    public int DroppedLogLines => _droppedLogLines;

    /// <summary>Try-evaluations served.</summary>
    public int Evaluations => _evaluations;

    /// <summary>Scratchpad snippets served (counted when requested, refused ones included).</summary>
    public int Snippets => _snippets;

    /// <summary>Model calls served.</summary>
    public int ModelCalls => _modelCalls;

    /// <summary>The shared best answer the agent was served (the last, if it asked several times), or <see langword="null"/>.</summary>
    public string? SharedBestServed => Volatile.Read(ref _sharedServed);

    /// <inheritdoc/>
    public async ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var at = _clock.Elapsed;
        HostReply reply;
        try
        {
            reply = await DispatchAsync(capability, request, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            reply = HostReply.Fail("bad-request", $"The {capability} request is not valid: {ex.Message}");
        }
        catch (ChatUnavailableException ex)
        {
            reply = HostReply.Fail(ex.Code, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reply = HostReply.Fail("cancelled", "The call's deadline passed while the host was serving it.");
        }

        Record(capability, at, request.Span, reply);
        return reply;
    }

    private async ValueTask<HostReply> DispatchAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken ct)
    {
        switch (capability)
        {
            case Capabilities.Log:
                return Log(Read(request, SdkJson.Default.LogRequest));
            case Capabilities.Budget:
                return Ok(BudgetStatus(), SdkJson.Default.BudgetStatus);
            case Capabilities.Chat:
                return await ChatAsync(Read(request, SdkJson.Default.ChatRequest), ct).ConfigureAwait(false);
            case Capabilities.SharedBest:
                return Ok(SharedBest(), SdkJson.Default.SharedBestReply);
        }

        if (!Capabilities.All.Contains(capability))
        {
            return HostReply.Fail("unknown-capability", $"'{Truncate(capability, 64)}' is not a capability.");
        }

        if (_workspace is null || _tools is null)
        {
            return HostReply.Fail("not-granted", $"'{capability}' is only available to ModifySelf.");
        }

        switch (capability)
        {
            case Capabilities.WorkspaceList:
                return Ok(new FileListReply(_workspace.List()), SdkJson.Default.FileListReply);
            case Capabilities.WorkspaceRead:
            {
                var path = Read(request, SdkJson.Default.PathRequest).Path;
                return _workspace.TryRead(path, out var content) is { } error
                    ? Fail(error)
                    : Ok(new FileContentReply(content), SdkJson.Default.FileContentReply);
            }

            case Capabilities.WorkspaceWrite:
            {
                var write = Read(request, SdkJson.Default.WriteRequest);
                return Acknowledge(_workspace.Write(write.Path, write.Content ?? string.Empty));
            }

            case Capabilities.WorkspaceReplace:
            {
                var replace = Read(request, SdkJson.Default.ReplaceRequest);
                return Acknowledge(_workspace.Replace(replace.Path, replace.OldText ?? string.Empty, replace.NewText ?? string.Empty));
            }

            case Capabilities.WorkspaceDelete:
                return Acknowledge(_workspace.Delete(Read(request, SdkJson.Default.PathRequest).Path));
            case Capabilities.Lineage:
            {
                var max = Math.Clamp(Read(request, SdkJson.Default.LineageRequest).MaxAncestors, 0, 64);
                return Ok(new LineageReply(_tools.GetLineage(max)), SdkJson.Default.LineageReply);
            }

            case Capabilities.Compile:
                return Ok(_tools.Compile(_workspace.Snapshot()), SdkJson.Default.CompileReport);
            case Capabilities.Evaluate:
            {
                if (Interlocked.Increment(ref _evaluations) > _options.MaxEvaluations)
                {
                    return HostReply.Fail("budget-exhausted", $"This session may try-evaluate at most {_options.MaxEvaluations} times.");
                }

                var max = Math.Clamp(Read(request, SdkJson.Default.EvaluateRequest).MaxTasks, 1, 100);
                var report = await _tools.EvaluateAsync(_workspace.Snapshot(), max, ct).ConfigureAwait(false);
                return Ok(report, SdkJson.Default.EvaluationReport);
            }

            case Capabilities.RunSnippet:
            {
                if (Interlocked.Increment(ref _snippets) > _options.MaxSnippets)
                {
                    return HostReply.Fail("budget-exhausted", $"This session may run at most {_options.MaxSnippets} snippets.");
                }

                var report = await _tools.RunSnippetAsync(Read(request, SdkJson.Default.SnippetRequest).Code ?? string.Empty, ct).ConfigureAwait(false);
                return Ok(report, SdkJson.Default.SnippetReport);
            }

            case Capabilities.MutationSites:
            {
                var path = Read(request, SdkJson.Default.MutationSitesRequest).Path;
                return _workspace.TryRead(path, out var code) is { } error
                    ? Fail(error)
                    : Ok(new MutationSitesReply(_tools.GetSites(code)), SdkJson.Default.MutationSitesReply);
            }

            case Capabilities.Mutate:
            {
                var mutation = Read(request, SdkJson.Default.MutationRequest);
                if (_workspace.TryRead(mutation.Path, out var code) is { } error)
                {
                    return Fail(error);
                }

                var (mutated, report) = _tools.Mutate(code, mutation with { Count = Math.Clamp(mutation.Count, 0, 64) });
                return _workspace.Write(mutation.Path, mutated) is { } writeError
                    ? Fail(writeError)
                    : Ok(report, SdkJson.Default.MutationReport);
            }

            default:
                return HostReply.Fail("unknown-capability", $"'{capability}' is not served.");
        }
    }

    private HostReply Log(LogRequest request)
    {
        lock (_gate)
        {
            if (_log.Count >= _options.MaxLogLines)
            {
                _droppedLogLines++;
            }
            else
            {
                _log.Add($"[{Truncate(request.Level ?? "info", 8)}] {Truncate(request.Message ?? string.Empty, _options.MaxLogLineLength)}");
            }
        }

        return Ok(new Ack(), SdkJson.Default.Ack);
    }

    private async ValueTask<HostReply> ChatAsync(ChatRequest request, CancellationToken ct)
    {
        if (_chat is null)
        {
            return HostReply.Fail("no-model", "No language model is configured for this role; run with --model to configure one.");
        }

        if (request.Messages is null || request.Messages.Count == 0)
        {
            return HostReply.Fail("bad-request", "A chat request needs at least one message.");
        }

        if (Interlocked.Increment(ref _modelCalls) > _options.MaxModelCalls)
        {
            return HostReply.Fail("budget-exhausted", $"This session may call the model at most {_options.MaxModelCalls} times.");
        }

        var reply = await _chat.CompleteAsync(request with { Role = _role }, ct).ConfigureAwait(false);
        return Ok(reply, SdkJson.Default.ChatReply);
    }

    private SharedBestReply SharedBest()
    {
        if (_options.SharedBest is not { } grant || _role != ChatRole.Task)
        {
            return new SharedBestReply(null, "not-granted");
        }

        if (grant.Answer is not { Length: <= SharedBestGrant.MaxChars } answer)
        {
            return new SharedBestReply(null, "no-answer-yet");
        }

        Volatile.Write(ref _sharedServed, answer);
        return new SharedBestReply(answer, null);
    }

    private BudgetStatus BudgetStatus() => new(
        Math.Max(0, (_options.WallClock - _clock.Elapsed).TotalSeconds),
        _options.TokensLeft(),
        _workspace is null ? null : Math.Max(0, _options.MaxEvaluations - _evaluations),
        Math.Max(0, _options.MaxModelCalls - _modelCalls),
        _workspace is null ? null : Math.Max(0, _options.MaxSnippets - _snippets));

    private static T Read<T>(ReadOnlyMemory<byte> request, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(request.Span, type) ?? throw new JsonException("The request is null.");

    private static HostReply Ok<T>(T value, JsonTypeInfo<T> type) => HostReply.Ok(JsonSerializer.SerializeToUtf8Bytes(value, type));

    private static HostReply Acknowledge(WorkspaceError? error) => error is null ? Ok(new Ack(), SdkJson.Default.Ack) : Fail(error);

    private static HostReply Fail(WorkspaceError error) => HostReply.Fail(error.Code, error.Message);

    private void Record(string capability, TimeSpan at, ReadOnlySpan<byte> request, HostReply reply)
    {
        var full = capability == Capabilities.Chat;
        var entry = new TranscriptEntry(
            at,
            Truncate(capability, 64),
            Text(request, full),
            reply.Payload is null ? null : Text(reply.Payload, full),
            reply.Error);
        lock (_gate)
        {
            _transcript.Add(entry);
        }
    }

    private static string Text(ReadOnlySpan<byte> bytes, bool full)
    {
        var text = Encoding.UTF8.GetString(full ? bytes : bytes[..Math.Min(bytes.Length, RecordCap)]);
        return !full && bytes.Length > RecordCap ? text + $"…[{bytes.Length - RecordCap} more bytes]" : text;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}

/// <summary>One capability request of a session and its answer.</summary>
/// <param name="At">Time since the session started.</param>
/// <param name="Capability">The capability name.</param>
/// <param name="Request">The request document (capped, except for chat).</param>
/// <param name="Reply">The reply document (capped, except for chat), or <see langword="null"/> when refused.</param>
/// <param name="Error">The refusal, when refused.</param>
public sealed record TranscriptEntry(TimeSpan At, string Capability, string Request, string? Reply, HostError? Error);
