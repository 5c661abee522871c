using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Native;

namespace Hyperagents.Compiler;

/// <summary>The host side of out-of-process compiles: a small pool of warm compile workers, each started through the
/// native runner's launcher (<see cref="WorkerProcess"/>) with a GC heap hard limit.</summary>
/// <remarks>
/// Whatever the agent's source makes Roslyn allocate, it allocates in a worker: when the worker runs out of memory, the
/// compile is a <see cref="DiagnosticIds.CompileMemoryLimit"/> failure and the host's memory never saw it. A worker
/// that exits or breaks the protocol mid-compile is a <see cref="DiagnosticIds.CompilerFault"/> failure.
/// Cancellation kills the worker at once, so a compile that outlasts its caller's deadline leaves no thread behind.
/// The host re-reads the returned image (entry points, IL scan) before trusting it.
/// </remarks>
internal sealed class CompileWorkers : IDisposable
{
    private const int MaxReplyJsonBytes = 16 * 1024 * 1024;
    private readonly CompileWorkerOptions _options;
    private readonly NativeRunnerOptions _launch;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<WorkerProcess> _idle = new();
    private volatile bool _disposed;
    private long _started;

    public CompileWorkers(CompileWorkerOptions options)
    {
        _options = options.Validate();
        _launch = options.Launch with { WorkerArguments = [.. options.Launch.WorkerArguments, "compile"] };
        _slots = new SemaphoreSlim(options.MaxWorkers, options.MaxWorkers);
    }

    /// <summary>How many worker processes were started so far.</summary>
    public long WorkersStarted => Interlocked.Read(ref _started);

    /// <summary>Compiles in a worker. Never throws for bad agent code.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the worker was
    /// killed).</exception>
    /// <exception cref="InvalidOperationException">No worker could be started.</exception>
    /// <remarks><c>meter</c>, when given, is bound to the CPU clock of the worker that gets the request.</remarks>
    public CompileResult Compile(AgentSource source, GatePolicy policy, CompileMeter? meter, CancellationToken cancellationToken) =>
        Run(new CompileRequest(new Dictionary<string, string>(source.Files, StringComparer.Ordinal), source.ContentHash, policy.Text, policy.Hash),
            (reply, image) => Verify(reply, image, source, policy), failure => failure, meter, cancellationToken);

    /// <summary>Compiles the last submission of a script chain in a worker. Never throws for bad code.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the worker was
    /// killed).</exception>
    /// <exception cref="InvalidOperationException">No worker could be started.</exception>
    /// <remarks><c>meter</c>, when given, is bound to the CPU clock of the worker that gets the request.</remarks>
    public ScriptCompileResult CompileScript(ScriptSource source, GatePolicy policy, CompileMeter? meter, CancellationToken cancellationToken) =>
        Run(new CompileRequest([], string.Empty, policy.Text, policy.Hash, ScriptRequest.Of(source)),
            (reply, image) => VerifyScript(reply, image, source, policy), failure => new ScriptCompileResult(failure.Report, null, false), meter, cancellationToken);

    private T Run<T>(CompileRequest request, Func<CompileReply, byte[], T> verify, Func<CompileResult, T> failed, CompileMeter? meter, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _slots.Wait(cancellationToken);
        WorkerProcess? worker = null;
        var reusable = false;
        try
        {
            worker = TakeIdle() ?? Start(cancellationToken);
            worker.ClearStderr();
            var busy = worker;
            meter?.Bind(() => busy.CpuTime);
            (var reply, var image, var failure, reusable) = Call(worker, request, cancellationToken);
            return failure is null ? verify(reply!, image) : failed(failure);
        }
        finally
        {
            if (worker is not null)
            {
                if (reusable && !_disposed)
                {
                    _idle.Push(worker);
                }
                else
                {
                    End(worker);
                }
            }

            _slots.Release();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryPop(out var worker))
        {
            End(worker);
        }
    }

    private WorkerProcess? TakeIdle()
    {
        while (_idle.TryPop(out var worker))
        {
            if (!worker.HasExited)
            {
                return worker;
            }

            End(worker);
        }

        return null;
    }

    private WorkerProcess Start(CancellationToken cancellationToken)
    {
        // WorkerProcess awaits with ConfigureAwait(false) throughout, so blocking here cannot deadlock a captured context.
        var worker = WorkerProcess.StartAsync(_launch, _options.MemoryBytes, cancellationToken).GetAwaiter().GetResult();
        Interlocked.Increment(ref _started);
        return worker;
    }

    private (CompileReply? Reply, byte[] Image, CompileResult? Failure, bool Reusable) Call(WorkerProcess worker, CompileRequest compile, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.SerializeToUtf8Bytes(compile, CompileWorkerJson.Default.CompileRequest);
        byte[]? body = null;
        string? broken = null;
        using (cancellationToken.Register(() => worker.Kill()))
        {
            try
            {
                Frames.Write(worker.ToWorker, FrameType.Compile, request);
                var header = new byte[Frames.HeaderSize];
                if (Frames.TryReadExactly(worker.FromWorker, header))
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                    if ((FrameType)header[4] != FrameType.Compiled || length < 4)
                    {
                        broken = $"a {(FrameType)header[4]} frame of {length} bytes";
                    }
                    else if (length > MaxReplyJsonBytes + _options.MaxImageBytes)
                    {
                        return (null, [], ImageTooLarge(length), false);
                    }
                    else
                    {
                        body = new byte[length];
                        if (!Frames.TryReadExactly(worker.FromWorker, body))
                        {
                            body = null;
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                body = null;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (body is null || broken is not null)
        {
            return (null, [], Died(worker, broken), false);
        }

        var metaLength = BinaryPrimitives.ReadInt32LittleEndian(body);
        CompileReply? reply;
        try
        {
            reply = metaLength >= 0 && metaLength <= body.Length - 4
                ? JsonSerializer.Deserialize(body.AsSpan(4, metaLength), CompileWorkerJson.Default.CompileReply)
                : null;
        }
        catch (JsonException)
        {
            reply = null;
        }

        if (reply is null)
        {
            return (null, [], Died(worker, "an unreadable reply"), false);
        }

        var imageLength = body.Length - 4 - metaLength;
        if (imageLength > _options.MaxImageBytes)
        {
            return (null, [], ImageTooLarge(imageLength), true);
        }

        return reply.Outcome switch
        {
            CompileReply.Compiled => (reply, body[(4 + metaLength)..], null, true),
            CompileReply.OutOfMemory => (null, [], MemoryLimit(), false),
            _ => (null, [], Failure(DiagnosticIds.CompilerFault, $"The compiler failed on this agent ({reply.Detail ?? reply.Outcome}); simplify the code around the construct it names."), false),
        };
    }

    /// <summary>Turns the worker's report into a result; a successful image is re-read here (IL scan, entry points), so
    /// the host trusts no verdict it did not check on the bytes it will run.</summary>
    private static CompileResult Verify(CompileReply reply, byte[] image, AgentSource source, GatePolicy policy)
    {
        if (!reply.Success || image.Length == 0)
        {
            return new CompileResult(new CompileReport(false, reply.Diagnostics.Count > 0 ? reply.Diagnostics : [Unplaced(DiagnosticIds.CompilerFault, "The compiler reported success without an image.")]), null, null);
        }

        var sink = new DiagnosticCollector();
        IlScanner.Scan(image, policy, sink, Unlocated);
        var entryPoints = EntryPointReader.Read(image, sink, Unlocated);
        if (sink.Items.Count > 0 || entryPoints is null)
        {
            return new CompileResult(new CompileReport(false, sink.Items), null, null);
        }

        var agent = new CompiledAgent(Convert.ToHexStringLower(SHA256.HashData(image)), AgentCompiler.AssemblyNameOf(source), image);
        return new CompileResult(new CompileReport(true, []), agent, entryPoints);

        static (string File, int Line) Unlocated(string type, string member) => ("(emitted IL)", 0);
    }

    /// <summary>A script submission's image is re-read here too (IL scan against the same policy and own assemblies).</summary>
    private static ScriptCompileResult VerifyScript(CompileReply reply, byte[] image, ScriptSource source, GatePolicy policy)
    {
        if (!reply.Success || image.Length == 0)
        {
            return new ScriptCompileResult(new CompileReport(false, reply.Diagnostics.Count > 0 ? reply.Diagnostics : [Unplaced(DiagnosticIds.CompilerFault, "The compiler reported success without an image.")]), null, false);
        }

        var sink = new DiagnosticCollector();
        IlScanner.Scan(image, policy, sink, (_, _) => ("(emitted IL)", 0), ScriptCompiler.OwnAssemblies(source));
        return sink.Items.Count > 0
            ? new ScriptCompileResult(new CompileReport(false, sink.Items), null, false)
            : new ScriptCompileResult(new CompileReport(true, []), image, reply.HasValue);
    }

    private CompileResult Died(WorkerProcess worker, string? broken)
    {
        // A worker that broke the protocol is still running: end it. One whose pipe closed is exiting by itself: let it,
        // so that its exit status and stderr say why.
        var killedHere = broken is not null || !worker.WaitForExitAsync(_launch.KillGrace).GetAwaiter().GetResult();
        if (killedHere)
        {
            worker.Kill();
            worker.WaitForExitAsync(_launch.KillGrace).GetAwaiter().GetResult();
        }

        var how = worker.Describe();

        // Out of memory is reported by the worker when it can be caught; when the runtime itself gives up, it says so on
        // stderr and aborts, and the kernel's OOM killer sends SIGKILL.
        if (!killedHere && (how.Contains("OutOfMemory", StringComparison.Ordinal) || how.Contains("Out of memory", StringComparison.OrdinalIgnoreCase) || how.Contains("SIGKILL", StringComparison.Ordinal)))
        {
            return MemoryLimit();
        }

        return Failure(DiagnosticIds.CompilerFault, broken is null
            ? $"The compiler process ended while compiling this agent ({how}); simplify the code."
            : $"The compiler process sent {broken} instead of a result; simplify the code.");
    }

    private CompileResult MemoryLimit() => Failure(DiagnosticIds.CompileMemoryLimit,
        $"Compiling needed more than the compiler's memory limit ({_options.MemoryBytes / (1024 * 1024)} MiB); look for constants that grow without bound, such as const strings that double each other.");

    private CompileResult ImageTooLarge(long bytes) => Failure(DiagnosticIds.CompileMemoryLimit,
        $"The compiled agent takes {bytes / (1024 * 1024)} MiB, more than the {_options.MaxImageBytes / (1024 * 1024)} MiB an image may take; shrink its constants and initialisers.");

    private static CompileResult Failure(string id, string message) => new(new CompileReport(false, [Unplaced(id, message)]), null, null);

    private static CompileDiagnostic Unplaced(string id, string message) => new("", 0, 0, id, message);

    private static void End(WorkerProcess worker)
    {
        if (!worker.HasExited)
        {
            worker.Kill();
        }

        worker.Dispose();
    }
}
