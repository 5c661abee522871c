using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Transport;
using Wasmtime;

namespace Hyperagents.Sandbox;

/// <summary>The host-call pump of a VM: enters the bootstrap, serves the requests it returns through the shared
/// <see cref="HostCallChannel"/> channel, re-enters with each reply, and maps the end through <see cref="CallRules"/>.</summary>
internal sealed partial class GuestVm
{
    /// <summary>Runs the bootstrap's built-in warm-up agent (SDK, JSON, LINQ, one host call) in this VM.</summary>
    internal AgentOutcome RunWarmup()
    {
        var invocation = new TaskInvocation(new TaskSpec("warm-up", "warm-up", "warm-up", new Dictionary<string, string> { ["n"] = "1" }, null), 1);
        return RunCore(GuestEntry.WarmUp, [], JsonSerializer.SerializeToUtf8Bytes(invocation, SdkJson.Default.TaskInvocation), WarmupHandler.Instance, new RunLimits(), CancellationToken.None)
            .GetAwaiter().GetResult();
    }

    /// <summary>Runs one entry point to its end. Never throws for anything the guest does.</summary>
    public Task<AgentOutcome> RunAsync(EntryPoint entry, byte[] image, byte[] invocation, ICapabilityHandler handler, RunLimits limits, CancellationToken cancellationToken) =>
        RunCore(entry == EntryPoint.ModifySelf ? GuestEntry.ModifySelf : GuestEntry.SolveTask, image, invocation, handler, limits, cancellationToken);

    private async Task<AgentOutcome> RunCore(GuestEntry entry, byte[] image, byte[] invocation, ICapabilityHandler handler, RunLimits limits, CancellationToken cancellationToken)
    {
        if (_used)
        {
            throw new InvalidOperationException("A sandbox VM runs exactly one call.");
        }

        _used = true;
        var watch = Stopwatch.StartNew();
        Output = new GuestOutput(limits.MaxOutputBytes);
        MemoryLimit = limits.MemoryBytes;
        ApplyLimits(_store, limits.MemoryBytes);
        _fuelConsumedBefore += (long)(_fuelSet - _store.Fuel);
        _fuelSet = (ulong)limits.Fuel;
        _store.Fuel = _fuelSet;
        _deadlineTimestamp = Stopwatch.GetTimestamp() + (long)(limits.WallClock.TotalSeconds * Stopwatch.Frequency);
        _cancellation = cancellationToken;
        _entropy = SeedOf(invocation);
        _limits = limits;
        var calls = new HostCallChannel(handler, limits);

        AgentOutcome Finish(Ending ending) => Outcome(ending.Kind, ending.Answer, ending.Detail, ending.ExceptionType);

        AgentOutcome Outcome(OutcomeKind outcomeKind, string? answer = null, string? detail = null, string? exceptionType = null)
        {
            var consumed = (long)(_fuelSet - SafeFuel());
            if (HeapRefused && outcomeKind is OutcomeKind.Crashed or OutcomeKind.GuestException && (exceptionType is null || exceptionType == typeof(OutOfMemoryException).FullName))
            {
                outcomeKind = OutcomeKind.OutOfMemory;
                detail = $"the guest reached its memory cap of {limits.MemoryBytes / (1024 * 1024)} MiB" + (detail is null ? "" : $" ({detail})");
            }

            // Detail and exception type come from the guest: capped and neutralised like its output.
            return new AgentOutcome(outcomeKind, answer, detail is null ? null : GuestOutput.Neutralise(Truncate(detail, 4096)),
                exceptionType is null ? null : GuestOutput.Neutralise(Truncate(exceptionType, 256)), watch.Elapsed, consumed, Output.Render(), calls.Count);
        }

        try
        {
            var start = new byte[9 + image.Length + invocation.Length];
            start[0] = (byte)entry;
            BinaryPrimitives.WriteInt32LittleEndian(start.AsSpan(1), image.Length);
            image.CopyTo(start, 5);
            BinaryPrimitives.WriteInt32LittleEndian(start.AsSpan(5 + image.Length), invocation.Length);
            invocation.CopyTo(start, 9 + image.Length);
            var state = Enter(_startMethod, start, limits);
            var queue = new Queue<(int Id, string Capability, byte[] Payload)>();
            var issued = new HashSet<int>();
            while (true)
            {
                var reader = new StateReader(state);
                var status = reader.Byte();
                if (status == 0)
                {
                    // The answer arrives JSON-escaped (a control character takes 6 bytes); its cap is on the answer
                    // itself, checked below as in native mode, so the block may be up to 6 times larger.
                    var json = reader.Block((int)Math.Min(int.MaxValue - 1L, 6L * limits.MaxMessageBytes + 64 * 1024));
                    reader.End();
                    var result = JsonSerializer.Deserialize(json, SdkJson.Default.InvocationResult) ?? throw Protocol("an empty result");
                    return Finish(CallRules.Ended(entry == GuestEntry.ModifySelf ? EntryPoint.ModifySelf : EntryPoint.SolveTask, result, null, limits));
                }

                if (status == 2)
                {
                    var message = Encoding.UTF8.GetString(reader.Block(64 * 1024));
                    return Outcome(OutcomeKind.Crashed, detail: "bootstrap fault: " + message);
                }

                if (status != 1)
                {
                    throw Protocol($"unknown state {status}");
                }

                var count = reader.Int();
                if (count < 0 || count > limits.MaxHostCalls + 1)
                {
                    throw Protocol($"{count} requests in one batch");
                }

                for (var i = 0; i < count; i++)
                {
                    var id = reader.Int();
                    var capability = Encoding.UTF8.GetString(reader.Block(MaxCapabilityNameBytes));
                    var payload = reader.Block(int.MaxValue);
                    if (!issued.Add(id))
                    {
                        throw Protocol($"request id {id} reused");
                    }

                    queue.Enqueue((id, capability, payload));
                }

                reader.End();
                if (queue.Count == 0)
                {
                    if (BackgroundPending)
                    {
                        BackgroundPending = false;
                        Guard(limits);
                        _backgroundExec();
                        state = Enter(_pollMethod, [], limits);
                        continue;
                    }

                    if (TimerDueMs is { } due)
                    {
                        TimerDueMs = null;
                        _clockSkewMs = Math.Max(_clockSkewMs, due - NowMs(_store.Fuel) + _clockSkewMs);
                        Guard(limits);
                        _executeTimer();
                        state = Enter(_pollMethod, [], limits);
                        continue;
                    }

                    return Outcome(OutcomeKind.Crashed, detail: "deadlock: the agent awaits something that can never complete (no host request, job or timer is pending)");
                }

                var (requestId, name, request) = queue.Dequeue();
                if (calls.CountRequest() is { } tooMany)
                {
                    return Finish(tooMany);
                }

                HostReply reply;
                if (calls.Refusal(name, request.Length) is { } refusal)
                {
                    reply = refusal;
                }
                else
                {
                    var remaining = TimeSpan.FromSeconds((double)(_deadlineTimestamp - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                    if (remaining <= TimeSpan.Zero)
                    {
                        return Finish(CallRules.Deadline(limits));
                    }

                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    linked.CancelAfter(remaining);
                    try
                    {
                        (reply, var end) = await calls.ServeAsync(name, request, linked.Token).ConfigureAwait(false);
                        if (end is { } failed)
                        {
                            return Finish(failed);
                        }
                    }
                    catch (OperationCanceledException) when (linked.IsCancellationRequested)
                    {
                        return Finish(cancellationToken.IsCancellationRequested
                            ? CallRules.Cancelled(started: true)
                            : CallRules.Deadline(limits, $"it passed during host call '{CallRules.Line(name, 64)}'"));
                    }
                }

                var body = HostCallChannel.Body(reply);
                if (body.Length > limits.MaxMessageBytes)
                {
                    body = AgentInvoker.EncodeError("too-large", $"the reply is {body.Length} bytes; the cap is {limits.MaxMessageBytes}");
                    reply = HostReply.Fail("too-large", "");
                }

                var resume = new byte[9 + body.Length];
                BinaryPrimitives.WriteInt32LittleEndian(resume, requestId);
                resume[4] = reply.Payload is null ? (byte)0 : (byte)1;
                BinaryPrimitives.WriteInt32LittleEndian(resume.AsSpan(5), body.Length);
                body.CopyTo(resume, 9);
                state = Enter(_resumeMethod, resume, limits);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException || Fatal is not null)
        {
            var (outcomeKind, detail) = Classify(ex, limits);
            return Outcome(outcomeKind, detail: detail);
        }
    }

    private void Guard(RunLimits limits)
    {
        if (Stopwatch.GetTimestamp() >= _deadlineTimestamp || _cancellation.IsCancellationRequested)
        {
            SetDeadlineFatal();
            throw new GuestFaultException("deadline");
        }

        if (SafeFuel() == 0)
        {
            SetFatal(OutcomeKind.OutOfFuel, $"the fuel budget of {limits.Fuel:N0} ran out");
            throw new GuestFaultException("fuel");
        }
    }

    private byte[] Enter(int method, byte[] input, RunLimits limits)
    {
        Guard(limits);
        var pointer = input.Length == 0 ? 0 : Copy(input);
        var io = _memory.GetSpan(_io, 16);
        BinaryPrimitives.WriteInt32LittleEndian(io, pointer);
        BinaryPrimitives.WriteInt32LittleEndian(io[4..], input.Length);
        BinaryPrimitives.WriteInt64LittleEndian(io[8..], 0);
        _invokeExport(method, _io);
        if (pointer != 0)
        {
            _free(pointer);
        }

        io = _memory.GetSpan(_io, 16);
        var outPointer = BinaryPrimitives.ReadInt32LittleEndian(io[8..]);
        var outLength = BinaryPrimitives.ReadInt32LittleEndian(io[12..]);
        // The largest state is a result whose answer is JSON-escaped (6 bytes per control character); see RunCore.
        if (outLength <= 0 || outLength > Math.Min(int.MaxValue - 1L, 6L * limits.MaxMessageBytes + 1024 * 1024))
        {
            throw Protocol($"an entry returned {outLength} bytes");
        }

        var output = Read(outPointer, outLength).ToArray();
        _free(outPointer);
        return output;
    }

    private (OutcomeKind, string) Classify(Exception ex, RunLimits limits)
    {
        if (Fatal is { } fatal)
        {
            return fatal;
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is TrapException trap)
            {
                return trap.Type switch
                {
                    TrapCode.OutOfFuel => (OutcomeKind.OutOfFuel, $"the fuel budget of {limits.Fuel:N0} ran out"),
                    TrapCode.Interrupt => (OutcomeKind.Deadline, CallRules.Deadline(limits).Detail!),
                    TrapCode.StackOverflow => (OutcomeKind.StackOverflow, "wasm trap: call stack exhausted"),
                    _ => (OutcomeKind.Crashed, "wasm trap: " + FirstLine(trap.Message)),
                };
            }
        }

        if (Trace.Any(t => t.Contains("stack overflow", StringComparison.OrdinalIgnoreCase)))
        {
            return (OutcomeKind.StackOverflow, "the guest runtime reported a stack overflow");
        }

        return ex is GuestProtocolException
            ? (OutcomeKind.Crashed, "protocol violation: " + ex.Message)
            : (OutcomeKind.Crashed, FirstLine(ex.Message));
    }

    private static ulong SeedOf(byte[] invocation)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(invocation);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    private sealed class WarmupHandler : ICapabilityHandler
    {
        public static readonly WarmupHandler Instance = new();

        public ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HostReply.Ok("{}"u8.ToArray()));
    }
}

/// <summary>The entry the bootstrap runs: the first byte of the start message.</summary>
internal enum GuestEntry : byte
{
    /// <summary><c>SolveTask</c> of the agent image.</summary>
    SolveTask = 1,
    /// <summary><c>ModifySelf</c> of the agent image.</summary>
    ModifySelf = 2,
    /// <summary>The bootstrap's built-in warm-up agent (no image).</summary>
    WarmUp = 3,
}
