using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using Hyperagents.Domains;
using Hyperagents.Evaluators;
using Hyperagents.Hosting.Native;

namespace Hyperagents.Compiler;

/// <summary>The loop inside an evaluator worker process (<c>hyperagents worker evaluate</c>): compiles one domain
/// package's evaluator under the evaluator policy, loads it in a collectible load context and scores answers one at a
/// time, under the GC heap hard limit the host started it with. The host kills it on a deadline.</summary>
/// <remarks>An evaluator that throws gets a fault reply and the worker carries on; one that runs out of memory gets an
/// out-of-memory reply and the worker exits, so no damaged heap scores another answer.</remarks>
public static class EvaluatorWorkerHost
{
    private const int MaxRequestBytes = 256 * 1024 * 1024;

    /// <summary>Runs the loop on this process's standard input and output until the host closes the pipe.</summary>
    /// <returns>The exit code: 0 when the host closed the pipe, 2 on a protocol violation, 3 after running out of memory.</returns>
    public static Task<int> RunAsync()
    {
        foreach (var failure in ProcessLimits.Apply())
        {
            Console.Error.WriteLine("evaluator worker: could not set " + failure);
        }

        var input = Console.OpenStandardInput();
        var output = Console.OpenStandardOutput();
        Console.SetIn(TextReader.Null);
        Console.SetOut(TextWriter.Null);
        return Task.Factory.StartNew(() => Run(input, output), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static int Run(Stream input, Stream output)
    {
        Frames.Write(output, FrameType.Hello, JsonSerializer.SerializeToUtf8Bytes(new WorkerHello(Frames.ProtocolVersion, Environment.ProcessId), WorkerJson.Default.WorkerHello));
        Loaded? loaded = null;
        var header = new byte[Frames.HeaderSize];
        try
        {
            while (Frames.TryReadExactly(input, header))
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                if ((FrameType)header[4] != FrameType.Evaluate || length is < 0 or > MaxRequestBytes)
                {
                    Console.Error.WriteLine($"evaluator worker: unexpected frame {header[4]} of {length} bytes");
                    return 2;
                }

                var body = new byte[length];
                if (length > 0 && !Frames.TryReadExactly(input, body))
                {
                    return 2;
                }

                var request = JsonSerializer.Deserialize(body, EvaluatorJson.Default.EvaluatorRequest) ?? throw new InvalidDataException("empty request");
                EvaluatorReply reply;
                if (request.Kind == EvaluatorRequest.Load)
                {
                    loaded?.Unload();
                    (loaded, reply) = Load(request);
                }
                else
                {
                    reply = loaded is null
                        ? new EvaluatorReply(EvaluatorReply.Fault, false, 0, null, "no package loaded")
                        : Evaluate(loaded, request);
                }

                Frames.Write(output, FrameType.Evaluated, JsonSerializer.SerializeToUtf8Bytes(reply, EvaluatorJson.Default.EvaluatorReply));
                if (reply.Outcome == EvaluatorReply.OutOfMemory)
                {
                    return 3;
                }
            }

            return 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or GatePolicyException)
        {
            Console.Error.WriteLine("evaluator worker: " + ex.Message);
            return 2;
        }
    }

    private static (Loaded?, EvaluatorReply) Load(EvaluatorRequest request)
    {
        var policy = GatePolicy.Parse(request.Policy ?? "", "(the host's evaluator policy)");
        if (policy.Hash != request.PolicyHash)
        {
            throw new InvalidDataException($"policy hash {policy.Hash} differs from the host's {request.PolicyHash}");
        }

        var files = request.Files ?? [];
        if (DomainPackage.ComputeHash(files) != request.PackageHash)
        {
            throw new InvalidDataException("package hash differs from the host's");
        }

        var sources = files.Where(f => f.Key.StartsWith(DomainPackage.EvaluatorFolder + "/", StringComparison.Ordinal) && f.Key.EndsWith(".cs", StringComparison.Ordinal))
            .ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value), StringComparer.Ordinal);
        try
        {
            var (image, problems, cache) = EvaluatorCache.Compile(request.CacheFolder, EvaluatorCache.Key(EvaluatorCache.SourcesHash(sources), policy.Hash), sources, policy);
            if (image is null)
            {
                return (null, Rejected(string.Join(Environment.NewLine, problems.Select(p => $"{p.File}({p.Line},{p.Column}): {p.Id} {p.Message}"))));
            }

            var context = new EvaluatorLoadContext();
            var assembly = context.LoadFromStream(new MemoryStream(image));
            var types = assembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract && typeof(IEvaluator).IsAssignableFrom(t)).ToList();
            if (types.Count != 1)
            {
                context.Unload();
                return (null, Rejected($"the evaluator files define {types.Count} public classes implementing Hyperagents.Evaluators.IEvaluator ({string.Join(", ", types.Select(t => t.FullName))}); define exactly one"));
            }

            if (types[0].GetConstructor(Type.EmptyTypes) is not { } constructor)
            {
                context.Unload();
                return (null, Rejected($"{types[0].FullName} needs a public parameterless constructor"));
            }

            var evaluator = (IEvaluator)constructor.Invoke(null);
            return (new Loaded(context, evaluator, new PackageData(files), Math.Max(16, request.FeedbackChars)), new EvaluatorReply(EvaluatorReply.Loaded, true, 0, null, null) { Cache = cache.ToString() });
        }
        catch (OutOfMemoryException)
        {
            return (null, new EvaluatorReply(EvaluatorReply.OutOfMemory, false, 0, null, "ran out of memory while loading"));
        }
        catch (TargetInvocationException ex)
        {
            return (null, Rejected($"the evaluator's constructor threw {Describe(ex.InnerException ?? ex)}"));
        }
    }

    private static EvaluatorReply Rejected(string detail) => new(EvaluatorReply.Rejected, false, 0, null, detail);

    private static EvaluatorReply Evaluate(Loaded loaded, EvaluatorRequest request)
    {
        var t = request.Task ?? throw new InvalidDataException("evaluate without a task");
        var task = new EvalTask(t.Id, t.Split, t.Parameters, t.Input, t.DataFile, t.Reference);
        var runs = request.CodeRuns is { } c
            ? new CodeRuns(c.Compiled, c.CompileError, c.Calls, c.Runs.Select(r => new CodeCall(r.Ok, r.OutputJson, r.Error)).ToList())
            : null;
        EvaluationResult? result;
        try
        {
            result = loaded.Evaluator.Evaluate(new EvalInput(task, request.Answer ?? "", loaded.Data, runs) { Exact = request.Exact });
        }
        catch (OutOfMemoryException)
        {
            return new EvaluatorReply(EvaluatorReply.OutOfMemory, false, 0, null, null);
        }
        catch (Exception ex)
        {
            return new EvaluatorReply(EvaluatorReply.Fault, false, 0, null, $"it threw {Describe(ex)}");
        }

        if (result is null)
        {
            return new EvaluatorReply(EvaluatorReply.Fault, false, 0, null, "it returned null instead of an EvaluationResult");
        }

        if (!double.IsFinite(result.Raw))
        {
            return new EvaluatorReply(EvaluatorReply.Fault, false, 0, null, $"it returned a raw figure of {result.Raw}; figures must be finite");
        }

        var feedback = result.Feedback.Length <= loaded.FeedbackChars ? result.Feedback : string.Concat(result.Feedback.AsSpan(0, loaded.FeedbackChars - 1), "…");
        return new EvaluatorReply(EvaluatorReply.Ok, result.Valid, result.Raw, feedback, null);
    }

    private static string Describe(Exception ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ");
        return $"{ex.GetType().Name}: {(message.Length > 300 ? message[..300] + "…" : message)}";
    }

    private sealed record Loaded(EvaluatorLoadContext Context, IEvaluator Evaluator, PackageData Data, int FeedbackChars)
    {
        public void Unload() => Context.Unload();
    }

    /// <summary>Resolves nothing itself: the evaluator sees the BCL and the evaluator API of the default context.</summary>
    private sealed class EvaluatorLoadContext() : AssemblyLoadContext("evaluator", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }

    /// <summary>The package's files in memory, read-only: the only files an evaluator can read.</summary>
    private sealed class PackageData(Dictionary<string, byte[]> files) : IPackageData
    {
        private readonly Dictionary<string, byte[]> _files = new(files, StringComparer.Ordinal);

        public IReadOnlyList<string> Paths { get; } = [.. files.Keys.Order(StringComparer.Ordinal)];

        public bool Exists(string path) => path is not null && _files.ContainsKey(path);

        public string ReadText(string path) => Encoding.UTF8.GetString(Get(path));

        public byte[] ReadBytes(string path) => (byte[])Get(path).Clone();

        private byte[] Get(string path) =>
            path is not null && _files.TryGetValue(path, out var bytes) ? bytes : throw new KeyNotFoundException($"The package has no file '{path}'.");
    }
}
