using System.Text.Json;
using Hyperagents.Transport;

namespace Hyperagents.Hosting.Native;

/// <summary>What becomes of a worker after a call or a probe.</summary>
internal enum WorkerFate
{
    /// <summary>Never ran a job (a probe only): back to the spares, or retired when there are enough.</summary>
    Spare,
    /// <summary>Ran its job and reported the result: it exits by itself; close its pipe and kill it if it does not.</summary>
    Retire,
    /// <summary>Killed or died: only reap it.</summary>
    Dead,
}

/// <summary>One entry-point call on one worker: sends the job, relays capability requests, reads the result.</summary>
/// <remarks>What the call's events mean (kinds, messages, request checks, host-call accounting) comes from
/// <see cref="CallRules"/> and <see cref="HostCallChannel"/>, as in every runner; this class is only the pipe protocol.</remarks>
internal sealed class NativeCall(NativeRunner runner, NativeRunnerOptions options, WorkerProcess worker, ICapabilityHandler host, RunLimits limits, WorkerJob job, byte[] image)
{
    private const int Running = 0;
    private const int EndedByWorker = 1;
    private const int EndedByHost = 2;
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly (AgentOutcome, WorkerFate) Lost = (new AgentOutcome(OutcomeKind.HostFault, null, "lost", null, TimeSpan.Zero, null, string.Empty, 0), WorkerFate.Dead);
    private readonly System.Diagnostics.Stopwatch _clock = new();
    private readonly HostCallChannel _hostCalls = new(host, limits);
    private int _state;

    public async Task<(AgentOutcome Outcome, WorkerFate Fate)> RunAsync(CancellationToken cancellationToken)
    {
        using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var deadlineCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        worker.ClearStderr();
        _clock.Start();
        var loop = LoopAsync(callCancellation.Token);
        var deadline = Task.Delay(limits.WallClock, deadlineCancellation.Token);
        var first = await Task.WhenAny(loop, deadline).ConfigureAwait(false);
        if (first != loop && await EndByHostAsync(cancellationToken.IsCancellationRequested).ConfigureAwait(false) is { } ended)
        {
            callCancellation.Cancel();
            _ = loop.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return ended;
        }

        deadlineCancellation.Cancel();
        return await loop.ConfigureAwait(false);
    }

    /// <summary>Ends the call from the host side (deadline or cancellation): claims the call, kills the worker tree and
    /// waits for it. Null when the call had already ended from the worker side.</summary>
    private async Task<(AgentOutcome, WorkerFate)?> EndByHostAsync(bool cancelled)
    {
        if (!TryEnd(EndedByHost))
        {
            return null;
        }

        var elapsed = _clock.Elapsed;
        if (worker.Kill())
        {
            runner.CountKill();
        }

        await worker.WaitForExitAsync(options.KillGrace).ConfigureAwait(false);
        var ending = cancelled ? CallRules.Cancelled(started: true) : CallRules.Deadline(limits, "the worker process tree was killed");
        return (Outcome(ending, elapsed), WorkerFate.Dead);
    }

    private bool TryEnd(int how) => Interlocked.CompareExchange(ref _state, how, Running) == Running;

    private AgentOutcome Outcome(Ending ending, TimeSpan elapsed, string output = "") => ending.ToOutcome(elapsed, null, output, _hostCalls.Count);

    private async Task<(AgentOutcome, WorkerFate)> LoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            var meta = JsonSerializer.SerializeToUtf8Bytes(job, WorkerJson.Default.WorkerJob);
            await worker.SendAsync(FrameType.Job, [Frames.Int32(meta.Length), meta, image], cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var header = await worker.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
                if (header is not { } h)
                {
                    return await DiedAsync().ConfigureAwait(false);
                }

                switch (h.Type)
                {
                    case FrameType.Request:
                        var ended = await ServeAsync(h.Length, cancellationToken).ConfigureAwait(false);
                        if (ended is { } result)
                        {
                            return result;
                        }

                        break;
                    case FrameType.Result:
                        return await FinishAsync(h.Length, cancellationToken).ConfigureAwait(false);
                    default:
                        return await ViolationAsync($"an unexpected frame of type {(int)h.Type} during a call").ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller cancelled (the deadline path cancels only after it has claimed the call).
            return await EndByHostAsync(cancelled: true).ConfigureAwait(false) ?? Lost;
        }
        catch (EndOfStreamException)
        {
            return await DiedAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            return await DiedAsync().ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            return await ViolationAsync(ex.Message).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return Lost;
        }
    }

    private async Task<(AgentOutcome, WorkerFate)> DiedAsync()
    {
        if (!TryEnd(EndedByWorker))
        {
            return Lost;
        }

        var elapsed = _clock.Elapsed;
        if (!await worker.WaitForExitAsync(options.KillGrace).ConfigureAwait(false))
        {
            if (worker.Kill())
            {
                runner.CountKill();
            }

            await worker.WaitForExitAsync(options.KillGrace).ConfigureAwait(false);
        }

        // .NET ends a process on stack overflow and prints "Stack overflow." to stderr: the same limit as the sandbox's.
        var how = worker.Describe();
        var kind = how.Contains("Stack overflow.", StringComparison.Ordinal) ? OutcomeKind.StackOverflow : OutcomeKind.Crashed;
        return (Outcome(new Ending(kind, Detail: $"The worker died before reporting a result ({how}); an exit without a result record is never a success."), elapsed), WorkerFate.Dead);
    }

    private async Task<(AgentOutcome, WorkerFate)> KillAsync(Ending ending)
    {
        if (!TryEnd(EndedByWorker))
        {
            return Lost;
        }

        var elapsed = _clock.Elapsed;
        if (worker.Kill())
        {
            runner.CountKill();
        }

        await worker.WaitForExitAsync(options.KillGrace).ConfigureAwait(false);
        return (Outcome(ending, elapsed), WorkerFate.Dead);
    }

    private Task<(AgentOutcome, WorkerFate)> ViolationAsync(string reason) =>
        KillAsync(new Ending(OutcomeKind.Crashed, Detail: $"The worker broke the protocol ({OutputText.Line(reason, 512)}) and was killed."));

    /// <summary>Serves one capability request; returns an outcome only when the request ended the call.</summary>
    private async Task<(AgentOutcome, WorkerFate)?> ServeAsync(int length, CancellationToken cancellationToken)
    {
        if (length < 5)
        {
            return await ViolationAsync($"a request frame of {length} bytes").ConfigureAwait(false);
        }

        var prefix = await worker.ReadBodyAsync(5, cancellationToken).ConfigureAwait(false);
        var id = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(prefix);
        int nameLength = prefix[4];
        if (nameLength is 0 or > 64 || length - 5 < nameLength)
        {
            return await ViolationAsync($"a capability name of {nameLength} bytes").ConfigureAwait(false);
        }

        var nameBytes = await worker.ReadBodyAsync(nameLength, cancellationToken).ConfigureAwait(false);
        if (nameBytes.Any(b => b is <= (byte)' ' or >= 0x7F))
        {
            return await ViolationAsync("a capability name that is not printable ASCII").ConfigureAwait(false);
        }

        var capability = System.Text.Encoding.ASCII.GetString(nameBytes);
        var payloadLength = length - 5 - nameLength;
        if (_hostCalls.CountRequest() is { } tooMany)
        {
            return await KillAsync(tooMany).ConfigureAwait(false);
        }

        HostReply reply;
        if (_hostCalls.Refusal(capability, payloadLength) is { } refusal)
        {
            await Frames.DrainAsync(worker.FromWorker, payloadLength, cancellationToken).ConfigureAwait(false);
            reply = refusal;
        }
        else
        {
            var payload = await worker.ReadBodyAsync(payloadLength, cancellationToken).ConfigureAwait(false);
            (reply, var end) = await _hostCalls.ServeAsync(capability, payload, cancellationToken).ConfigureAwait(false);
            if (end is { } failed)
            {
                return await KillAsync(failed).ConfigureAwait(false);
            }
        }

        // I10: once the deadline has passed, nothing more goes to the worker.
        if (Volatile.Read(ref _state) != Running)
        {
            return Lost;
        }

        var body = reply.Error is { } error
            ? JsonSerializer.SerializeToUtf8Bytes(error, WorkerJson.Default.HostError)
            : reply.Payload!;
        await worker.SendAsync(FrameType.Reply, [Frames.Int32(id), new[] { (byte)(reply.Error is null ? 1 : 0) }, body], cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<(AgentOutcome, WorkerFate)> FinishAsync(int length, CancellationToken cancellationToken)
    {
        var cap = limits.MaxMessageBytes + (3L * limits.MaxOutputBytes) + (256 * 1024);
        if (length > cap)
        {
            return await ViolationAsync($"a result frame of {length} bytes, more than the cap of {cap}").ConfigureAwait(false);
        }

        var body = await worker.ReadBodyAsync(length, cancellationToken).ConfigureAwait(false);
        WorkerResult meta;
        string? answer;
        string output;
        try
        {
            (meta, answer, output) = ParseResult(body);
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or ArgumentException or System.Text.DecoderFallbackException)
        {
            return await ViolationAsync("a malformed result: " + ex.Message).ConfigureAwait(false);
        }

        if (!TryEnd(EndedByWorker))
        {
            return Lost;
        }

        var elapsed = _clock.Elapsed;
        var entry = job.Entry == WorkerJob.Solve ? EntryPoint.SolveTask : EntryPoint.ModifySelf;
        var ending = CallRules.Ended(entry, meta.Result with { Answer = answer }, meta.AnswerBytes, limits);
        return (Outcome(ending, elapsed, OutputText.Neutralise(output, limits.MaxOutputBytes, Math.Max(0, meta.OutputDropped))), WorkerFate.Retire);
    }

    private static (WorkerResult Meta, string? Answer, string Output) ParseResult(byte[] body)
    {
        var span = body.AsSpan();
        if (span.Length < 8)
        {
            throw new InvalidDataException("result frame too short");
        }

        var metaLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(span);
        if (metaLength < 0 || metaLength > span.Length - 8)
        {
            throw new InvalidDataException($"bad meta length {metaLength}");
        }

        var meta = JsonSerializer.Deserialize(span.Slice(4, metaLength), WorkerJson.Default.WorkerResult)
                   ?? throw new InvalidDataException("empty result");
        if (meta.Result is null || !Enum.IsDefined(meta.Result.Status))
        {
            throw new InvalidDataException("result without a valid status");
        }

        var rest = span[(4 + metaLength)..];
        var answerLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(rest);
        rest = rest[4..];
        if (answerLength < -1 || answerLength > rest.Length)
        {
            throw new InvalidDataException($"bad answer length {answerLength}");
        }

        var answer = answerLength < 0 ? null : StrictUtf8.GetString(rest[..answerLength]);
        var output = StrictUtf8.GetString(rest[Math.Max(0, answerLength)..]);
        return (meta, answer, output);
    }
}
