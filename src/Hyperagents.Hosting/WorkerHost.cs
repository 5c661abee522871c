using System.Collections;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Hyperagents.Hosting.Native;
using Hyperagents.Transport;

namespace Hyperagents.Hosting;

/// <summary>The loop inside a native worker process (<c>hyperagents worker</c>), the other end of <see cref="NativeRunner"/>.</summary>
/// <remarks>
/// The worker speaks length-prefixed frames on its standard input and output; agent console output is redirected to
/// a capped buffer before any agent code runs, so it cannot corrupt the protocol through <see cref="Console"/>. A worker
/// runs <b>one</b> job and exits: the job is loaded into its own <see cref="System.Runtime.Loader.AssemblyLoadContext"/>
/// and run through <see cref="AgentInvoker"/>, the result is sent, and the process ends, so nothing agent code changed
/// in the process (culture, shared pools, interned strings, held locks, static state of the libraries) can reach another
/// call. The worker also exits when its standard input closes (the host retired it or died).
/// </remarks>
public static class WorkerHost
{
    /// <summary>Runs the worker loop on this process's standard input and output until the host closes the pipe.</summary>
    /// <param name="args">Command-line arguments after <c>worker</c>; none are defined yet.</param>
    /// <param name="cancellationToken">Stops the loop between jobs.</param>
    /// <returns>The process exit code: 0 when the host closed the pipe (or sent something unreadable).</returns>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);

        // Before any agent code: limits the worker cannot lift again. A failure is reported, not fatal (a container may
        // forbid lowering a limit); the gate remains the barrier.
        foreach (var failure in ProcessLimits.Apply())
        {
            await Console.Error.WriteLineAsync("worker: could not set " + failure).ConfigureAwait(false);
        }

        var input = Console.OpenStandardInput();
        var output = Console.OpenStandardOutput();

        // From here on nothing may write to the real standard output except the frame writer.
        Console.SetIn(TextReader.Null);
        Console.SetOut(TextWriter.Null);
        Console.SetError(TextWriter.Null);
        var loop = new WorkerLoop(input, output);
        return await loop.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The worker side of the protocol.</summary>
internal sealed class WorkerLoop(Stream input, Stream output)
{
    private const int MaxInboundFrame = 1024 * 1024 * 1024;
    private const int MaxExceptionMessageChars = 16 * 1024;
    private readonly Lock _writeLock = new();
    private readonly BlockingCollection<(WorkerJob Job, byte[] Image)> _jobs = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<(bool Ok, byte[] Payload)>> _pending = new();
    private volatile bool _busy;
    private int _nextRequestId;

    /// <summary>Waits for the one job on a dedicated thread and runs it there; returns when it is done or the host closed
    /// the pipe first.</summary>
    public Task<int> RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private int Run(CancellationToken cancellationToken)
    {
        Write(FrameType.Hello, JsonSerializer.SerializeToUtf8Bytes(new WorkerHello(Frames.ProtocolVersion, Environment.ProcessId), WorkerJson.Default.WorkerHello));
        var reader = new Thread(ReadLoop) { IsBackground = true, Name = "worker-pipe-reader" };
        reader.Start();
        try
        {
            if (_jobs.TryTake(out var next, Timeout.Infinite, cancellationToken))
            {
                _busy = true;
                RunJob(next.Job, next.Image);
                _busy = false;
            }

            return 0;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        catch (IOException)
        {
            // The host closed the pipe while the result was being written.
            return 0;
        }
    }

    internal void WriteRequest(int id, string capability, byte[] request)
    {
        var name = Encoding.ASCII.GetBytes(capability);
        var prefix = new byte[5];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(prefix, id);
        prefix[4] = (byte)name.Length;
        Write(FrameType.Request, prefix, name, request);
    }

    internal TaskCompletionSource<(bool Ok, byte[] Payload)> Register(out int id)
    {
        id = Interlocked.Increment(ref _nextRequestId);
        var completion = new TaskCompletionSource<(bool, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        return completion;
    }

    internal void Forget(int id) => _pending.TryRemove(id, out _);

    private void Write(FrameType type, params byte[][] body)
    {
        lock (_writeLock)
        {
            Frames.Write(output, type, body);
        }
    }

    private void ReadLoop()
    {
        try
        {
            var header = new byte[Frames.HeaderSize];
            while (Frames.TryReadExactly(input, header))
            {
                var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(header);
                if (length is < 0 or > MaxInboundFrame)
                {
                    throw new ProtocolException($"frame of {length} bytes");
                }

                var body = new byte[length];
                if (length > 0 && !Frames.TryReadExactly(input, body))
                {
                    throw new ProtocolException("truncated frame");
                }

                switch ((FrameType)header[4])
                {
                    case FrameType.Job:
                        var metaLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(body);
                        var job = JsonSerializer.Deserialize(body.AsSpan(4, metaLength), WorkerJson.Default.WorkerJob)
                                  ?? throw new ProtocolException("empty job");
                        _jobs.Add((job, body[(4 + metaLength)..]));
                        break;
                    case FrameType.Reply:
                        var id = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(body);
                        if (_pending.TryRemove(id, out var completion))
                        {
                            completion.TrySetResult((body[4] == 1, body[5..]));
                        }

                        break;
                    case FrameType.Probe:
                        var probe = JsonSerializer.Deserialize(body, WorkerJson.Default.WorkerProbe) ?? throw new ProtocolException("empty probe");
                        Write(FrameType.ProbeReply, JsonSerializer.SerializeToUtf8Bytes(Answer(probe), WorkerJson.Default.WorkerProbeReply));
                        break;
                    default:
                        throw new ProtocolException($"unexpected frame type {header[4]}");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ProtocolException or JsonException or ArgumentException or EndOfStreamException)
        {
            // The host is gone or talks nonsense: nothing left to serve.
        }

        // The host closed the pipe. An idle worker ends its loop; a busy one cannot wait for agent code to return.
        _jobs.CompleteAdding();
        if (_busy || _jobs.Count > 0)
        {
            Environment.Exit(3);
        }
    }

    private static WorkerProbeReply Answer(WorkerProbe probe)
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (probe.Name == "environment")
        {
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                values[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
            }
        }

        return new WorkerProbeReply(Environment.ProcessId, values);
    }

    private void RunJob(WorkerJob job, byte[] image)
    {
        var capture = new CappedWriter(job.MaxOutputChars);
        Console.SetOut(capture);
        Console.SetError(capture);
        var channel = new PipeChannel(this);
        InvocationResult result;
        try
        {
            result = RunInContextAsync(job, image, channel).GetAwaiter().GetResult();
        }
        finally
        {
            channel.Close();
            Console.SetOut(TextWriter.Null);
            Console.SetError(TextWriter.Null);
        }

        SendResult(job, result, capture);
    }

    private void SendResult(WorkerJob job, InvocationResult result, CappedWriter capture)
    {
        byte[]? answer = result.Answer is null ? null : Encoding.UTF8.GetBytes(result.Answer);
        long? answerBytes = null;
        if (answer is not null && answer.Length > job.MaxMessageBytes)
        {
            answerBytes = answer.Length;
            answer = null;
        }

        var trimmed = result with
        {
            Answer = null,
            ExceptionMessage = result.ExceptionMessage is { Length: > MaxExceptionMessageChars } m ? m[..MaxExceptionMessageChars] : result.ExceptionMessage,
        };
        var meta = JsonSerializer.SerializeToUtf8Bytes(new WorkerResult(trimmed, capture.Dropped, answerBytes), WorkerJson.Default.WorkerResult);
        Write(FrameType.Result, Frames.Int32(meta.Length), meta, Frames.Int32(answer?.Length ?? -1), answer ?? [], Encoding.UTF8.GetBytes(capture.ToString()));
    }

    private static async Task<InvocationResult> RunInContextAsync(WorkerJob job, byte[] image, PipeChannel channel)
    {
        if (job.Entry == WorkerJob.Solve && job.Task is not null && ScriptBundle.IsBundle(image))
        {
            return await AgentInvoker.RunScriptAsync(image, job.Task, channel).ConfigureAwait(false);
        }

        var context = new AgentLoadContext("agent:" + job.AssemblyName);
        System.Reflection.Assembly assembly;
        try
        {
            using var stream = new MemoryStream(image, writable: false);
            assembly = context.LoadFromStream(stream);
        }
        catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or IOException)
        {
            return new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: "The agent image could not be loaded: " + ex.Message);
        }

        return job.Entry switch
        {
            WorkerJob.Solve when job.Task is not null => await AgentInvoker.SolveTaskAsync(assembly, job.Task, channel).ConfigureAwait(false),
            WorkerJob.ModifySelf when job.Meta is not null => await AgentInvoker.ModifySelfAsync(assembly, job.Meta, channel).ConfigureAwait(false),
            _ => new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: $"Unknown job entry '{job.Entry}'."),
        };
    }

    private sealed class ProtocolException(string message) : Exception(message);
}

/// <summary>The worker side of <see cref="IHostChannel"/>: each request is a frame to the host; the caller awaits its
/// reply frame. A refusal surfaces as <see cref="HostCallException"/>.</summary>
internal sealed class PipeChannel(WorkerLoop loop) : IHostChannel
{
    private volatile bool _closed;

    public void Close() => _closed = true;

    public async ValueTask<byte[]> CallAsync(string capability, byte[] request)
    {
        ArgumentNullException.ThrowIfNull(capability);
        ArgumentNullException.ThrowIfNull(request);
        if (_closed)
        {
            throw new HostCallException(capability, "call-ended", "The call has ended; the host no longer serves requests.");
        }

        if (capability.Length is 0 or > 64 || !capability.All(c => c is > ' ' and < '\u007F'))
        {
            throw new HostCallException(capability, "unknown-capability", "Capability names are 1 to 64 printable ASCII characters.");
        }

        var completion = loop.Register(out var id);
        try
        {
            loop.WriteRequest(id, capability, request);
        }
        catch (IOException ex)
        {
            loop.Forget(id);
            throw new HostCallException(capability, "host-gone", "The pipe to the host is closed: " + ex.Message);
        }

        var (ok, payload) = await completion.Task.ConfigureAwait(false);
        if (ok)
        {
            return payload;
        }

        HostError? error;
        try
        {
            error = JsonSerializer.Deserialize(payload, WorkerJson.Default.HostError);
        }
        catch (JsonException)
        {
            error = null;
        }

        throw new HostCallException(capability, error?.Error ?? "host-error", error?.Message ?? "The host refused the request.");
    }
}
