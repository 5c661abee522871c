using System.Buffers.Binary;
using System.Text.Json;
using Hyperagents.Hosting.Native;

namespace Hyperagents.Compiler;

/// <summary>The loop inside a compile worker process (<c>hyperagents worker compile</c>), the other end of an
/// <see cref="AgentCompiler"/> with <see cref="AgentCompilerOptions.Worker"/>.</summary>
/// <remarks>
/// The worker compiles, gates and validates agents in process, exactly as an in-process <see cref="AgentCompiler"/>
/// does, under the GC heap hard limit the host started it with. It never loads or runs agent code. A compile that runs
/// out of memory or makes the compiler throw is reported and the worker exits, so no damaged heap serves another
/// compile. The worker exits when its standard input closes (the host retired it or died).
/// </remarks>
public static class CompileWorkerHost
{
    private const int MaxRequestBytes = 64 * 1024 * 1024;
    private const int MaxDiagnostics = 1000;

    /// <summary>Runs the compile loop on this process's standard input and output until the host closes the pipe.</summary>
    /// <param name="cancellationToken">Stops the loop between compiles.</param>
    /// <returns>The process exit code: 0 when the host closed the pipe, 3 after an out-of-memory or compiler fault,
    /// 2 on a protocol violation.</returns>
    public static Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        // Same self-imposed limits as a native worker: the compiler reads agent text and must need nothing more.
        foreach (var failure in ProcessLimits.Apply())
        {
            Console.Error.WriteLine("compile worker: could not set " + failure);
        }

        var input = Console.OpenStandardInput();
        var output = Console.OpenStandardOutput();
        Console.SetIn(TextReader.Null);
        Console.SetOut(TextWriter.Null);
        return Task.Factory.StartNew(() => Run(input, output, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static int Run(Stream input, Stream output, CancellationToken cancellationToken)
    {
        Frames.Write(output, FrameType.Hello, JsonSerializer.SerializeToUtf8Bytes(new WorkerHello(Frames.ProtocolVersion, Environment.ProcessId), WorkerJson.Default.WorkerHello));
        AgentCompiler? compiler = null;
        var header = new byte[Frames.HeaderSize];
        try
        {
            while (!cancellationToken.IsCancellationRequested && Frames.TryReadExactly(input, header))
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if ((FrameType)header[4] != FrameType.Compile || length is < 0 or > MaxRequestBytes)
                {
                    Console.Error.WriteLine($"compile worker: unexpected frame {header[4]} of {length} bytes");
                    return 2;
                }

                var body = new byte[length];
                if (length > 0 && !Frames.TryReadExactly(input, body))
                {
                    return 2;
                }

                var request = JsonSerializer.Deserialize(body, CompileWorkerJson.Default.CompileRequest)
                              ?? throw new InvalidDataException("empty compile request");
                body = [];
                if (compiler is null || compiler.GatePolicyHash != request.PolicyHash)
                {
                    var policy = GatePolicy.Parse(request.Policy, "(the host's policy)");
                    compiler = policy.Hash == request.PolicyHash
                        ? new AgentCompiler(policy)
                        : throw new InvalidDataException($"policy hash {policy.Hash} differs from the host's {request.PolicyHash}");
                }

                var (reply, image, exit) = Compile(compiler, request);
                var meta = JsonSerializer.SerializeToUtf8Bytes(reply, CompileWorkerJson.Default.CompileReply);
                Frames.Write(output, FrameType.Compiled, Frames.Int32(meta.Length), meta, image);
                if (exit)
                {
                    return 3;
                }

                // The parsed-file cache lives in the heap the limit bounds: drop it before it crowds out a compile.
                if (GC.GetTotalMemory(forceFullCollection: false) > GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4)
                {
                    compiler = new AgentCompiler(compiler.Policy);
                    GC.Collect();
                }
            }

            return 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or GatePolicyException)
        {
            Console.Error.WriteLine("compile worker: " + ex.Message);
            return 2;
        }
    }

    private static (CompileReply Reply, byte[] Image, bool Exit) Compile(AgentCompiler compiler, CompileRequest request)
    {
        if (request.Script is { } script)
        {
            try
            {
                var compiled = compiler.CompileScript(script.ToSource());
                return (new CompileReply(CompileReply.Compiled, compiled.Report.Success, compiled.Report.Diagnostics.Take(MaxDiagnostics).ToList(), null, compiled.HasValue), compiled.Image ?? [], false);
            }
            catch (OutOfMemoryException)
            {
                return (new CompileReply(CompileReply.OutOfMemory, false, [], null), [], true);
            }
            catch (Exception ex)
            {
                var message = ex.Message.Length > 500 ? ex.Message[..500] : ex.Message;
                return (new CompileReply(CompileReply.Fault, false, [], ex.GetType().Name + ": " + message.ReplaceLineEndings(" ")), [], true);
            }
        }

        var source = AgentSource.Restore(request.Files);
        if (source.ContentHash != request.ContentHash)
        {
            throw new InvalidDataException($"content hash {source.ContentHash} differs from the host's {request.ContentHash}");
        }

        try
        {
            var result = compiler.Compile(source);
            var diagnostics = result.Report.Diagnostics.Take(MaxDiagnostics).ToList();
            if (result.Report.Diagnostics.Count > MaxDiagnostics)
            {
                diagnostics.Add(new CompileDiagnostic("", 0, 0, DiagnosticIds.AgentProblem, $"... and {result.Report.Diagnostics.Count - MaxDiagnostics} more diagnostics."));
            }

            return (new CompileReply(CompileReply.Compiled, result.Success, diagnostics, null), result.Agent?.Image ?? [], false);
        }
        catch (OutOfMemoryException)
        {
            return (new CompileReply(CompileReply.OutOfMemory, false, [], null), [], true);
        }
        catch (Exception ex)
        {
            var message = ex.Message.Length > 500 ? ex.Message[..500] : ex.Message;
            return (new CompileReply(CompileReply.Fault, false, [], ex.GetType().Name + ": " + message.ReplaceLineEndings(" ")), [], true);
        }
    }
}
