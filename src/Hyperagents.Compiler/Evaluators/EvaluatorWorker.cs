using System.Text.Json;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Hosting.Native;

namespace Hyperagents.Compiler;

/// <summary>The host side of one evaluator worker process of a domain package (<c>hyperagents worker evaluate</c>),
/// started with the package's memory limit, killed when an evaluation outlasts the package's deadline and started again
/// for the next one. <see cref="Open(DomainPackage, NativeRunnerOptions, ICodeAnswerRunner?)"/> gives a domain a pool of
/// them (<see cref="PooledEvaluator"/>), so that evaluations run side by side up to the command's runner capacity.</summary>
/// <remarks>Evaluations are serialised on one worker. The compiled evaluator comes from the on-disk cache when a
/// verified entry exists (<see cref="EvaluatorCache"/>), so every worker after the first, and every later command on
/// the same package, starts without compiling. Whatever the evaluator does — throw, loop, run out of memory,
/// crash its process, return NaN, flood feedback — the host gets a <see cref="PackageVerdict"/> with a fault, never an
/// exception and never a silent zero.</remarks>
public sealed class EvaluatorWorker : IPackageEvaluator
{
    private const int MaxReplyBytes = 4 * 1024 * 1024;
    private static readonly TimeSpan LoadDeadline = TimeSpan.FromMinutes(2);
    private readonly DomainPackage _package;
    private readonly NativeRunnerOptions _launch;
    private readonly GatePolicy _policy;
    private readonly string? _cacheFolder;
    private readonly Lock _gate = new();
    private WorkerProcess? _worker;
    private bool _disposed;

    /// <summary>Creates the host side; no process starts before <see cref="Load"/> or the first evaluation.</summary>
    /// <param name="package">The package.</param>
    /// <param name="launch">How worker processes start (the CLI's hidden <c>worker</c> command; <c>evaluate</c> is added).</param>
    /// <param name="cacheFolder">The compiled-evaluator cache folder (<see cref="DefaultCacheFolder"/>), or
    /// <see langword="null"/> to compile in every worker.</param>
    /// <exception cref="GatePolicyException">The shipped evaluator policy is missing or malformed.</exception>
    public EvaluatorWorker(DomainPackage package, NativeRunnerOptions launch, string? cacheFolder)
    {
        _cacheFolder = cacheFolder;
        _package = package ?? throw new ArgumentNullException(nameof(package));
        ArgumentNullException.ThrowIfNull(launch);
        _launch = launch.Validate() with { WorkerArguments = [.. launch.WorkerArguments, "evaluate"] };
        _policy = EvaluatorCompilation.LoadPolicy();
    }

    /// <summary>The SHA-256 of the evaluator policy in force.</summary>
    public string PolicyHash => _policy.Hash;

    /// <summary>How many worker processes this evaluator started.</summary>
    public int WorkersStarted { get; private set; }

    /// <summary>What the compiled-evaluator cache did at the last load, or <see langword="null"/> before one.</summary>
    public EvaluatorCacheResult? LastLoad { get; private set; }

    /// <summary><c>$XDG_CACHE_HOME/hyperagents/evaluators</c>, else <c>~/.cache/hyperagents/evaluators</c>.</summary>
    public static string DefaultCacheFolder => EvaluatorCache.DefaultFolder;

    /// <summary>Opens a package as a domain whose evaluator runs in a pool of workers (one until
    /// <see cref="PackageDomain.UseParallelism"/> says more), the first loaded now, with the default cache.</summary>
    /// <param name="package">The package.</param>
    /// <param name="launch">How worker processes start.</param>
    /// <param name="codeRunner">Runs C#-source answers (answer kind <c>csharp</c>).</param>
    /// <exception cref="DomainPackageException">The evaluator does not compile, breaks the evaluator policy or cannot be
    /// constructed.</exception>
    public static PackageDomain Open(DomainPackage package, NativeRunnerOptions launch, ICodeAnswerRunner? codeRunner = null) =>
        Open(package, launch, codeRunner, DefaultCacheFolder);

    /// <summary>As <see cref="Open(DomainPackage, NativeRunnerOptions, ICodeAnswerRunner?)"/>, with a cache folder of
    /// the caller's (or none).</summary>
    /// <param name="package">The package.</param>
    /// <param name="launch">How worker processes start.</param>
    /// <param name="codeRunner">Runs C#-source answers (answer kind <c>csharp</c>).</param>
    /// <param name="cacheFolder">The compiled-evaluator cache folder, or <see langword="null"/> for none.</param>
    /// <exception cref="DomainPackageException">The evaluator does not compile, breaks the evaluator policy or cannot be
    /// constructed.</exception>
    public static PackageDomain Open(DomainPackage package, NativeRunnerOptions launch, ICodeAnswerRunner? codeRunner, string? cacheFolder)
    {
        ArgumentNullException.ThrowIfNull(package);
        var evaluator = new PooledEvaluator(() => new EvaluatorWorker(package, launch, cacheFolder));
        try
        {
            evaluator.Load();
            return new PackageDomain(package, evaluator, codeRunner);
        }
        catch
        {
            evaluator.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Load()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (EnsureLoaded() is { } problem)
            {
                throw new DomainPackageException($"Domain package {_package.Origin}: the evaluator cannot be used: {problem}");
            }
        }
    }

    /// <inheritdoc/>
    public PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns) => Evaluate(task, answer, codeRuns, exact: false);

    /// <inheritdoc/>
    public PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns, bool exact)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(answer);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (EnsureLoaded() is { } problem)
            {
                return PackageVerdict.Failed(problem);
            }

            var request = new EvaluatorRequest(EvaluatorRequest.Evaluate)
            {
                Task = new EvalTaskMessage(task.Id, task.Split.ToString().ToLowerInvariant(), new Dictionary<string, string>(task.Parameters, StringComparer.Ordinal), task.Input, task.DataFile, task.Reference),
                Answer = answer,
                Exact = exact,
                CodeRuns = codeRuns is null ? null : new CodeRunsMessage(codeRuns.Compiled, codeRuns.CompileError, [.. task.Calls], codeRuns.Runs.Select(r => new CodeCallMessage(r.Ok, r.OutputJson, r.Error)).ToList()),
            };
            var deadline = TimeSpan.FromMilliseconds(_package.Limits.EvaluationMilliseconds);
            var (reply, failure) = Call(request, deadline, $"it ran longer than its {_package.Limits.EvaluationMilliseconds:N0} ms deadline (limits.evaluationMilliseconds)");
            if (reply is null)
            {
                return PackageVerdict.Failed(failure!);
            }

            return reply.Outcome switch
            {
                EvaluatorReply.Ok when double.IsFinite(reply.Raw) => new PackageVerdict(reply.Valid, reply.Raw, Cap(reply.Feedback ?? "")),
                EvaluatorReply.Ok => PackageVerdict.Failed($"it returned a raw figure of {reply.Raw}; figures must be finite"),
                EvaluatorReply.OutOfMemory => Retire(PackageVerdict.Failed($"it ran out of its {_package.Limits.MemoryMegabytes:N0} MiB memory limit (limits.memoryMegabytes)")),
                _ => PackageVerdict.Failed(Cap(reply.Detail ?? reply.Outcome)),
            };
        }
    }

    /// <summary>Ends the worker.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            End();
        }
    }

    /// <summary>Starts and loads a worker when none is running; the problem when that fails.</summary>
    private string? EnsureLoaded()
    {
        if (_worker is { HasExited: false })
        {
            return null;
        }

        End();
        try
        {
            _worker = WorkerProcess.StartAsync(_launch, _package.Limits.MemoryMegabytes * 1024L * 1024, CancellationToken.None).GetAwaiter().GetResult();
            WorkersStarted++;
        }
        catch (InvalidOperationException ex)
        {
            return "its worker process could not start: " + ex.Message;
        }

        var request = new EvaluatorRequest(EvaluatorRequest.Load)
        {
            Policy = _policy.Text,
            PolicyHash = _policy.Hash,
            Files = _package.Files.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal),
            PackageHash = _package.Hash,
            CacheFolder = _cacheFolder,
            FeedbackChars = _package.Limits.FeedbackChars,
        };
        var (reply, failure) = Call(request, LoadDeadline, $"compiling and loading it took longer than {LoadDeadline.TotalMinutes:0} minutes");
        if (reply is null)
        {
            return failure;
        }

        if (reply.Outcome == EvaluatorReply.Loaded)
        {
            LastLoad = Enum.TryParse<EvaluatorCacheResult>(reply.Cache, out var cache) ? cache : null;
            return null;
        }

        End();
        return reply.Outcome == EvaluatorReply.OutOfMemory
            ? $"compiling it needed more than its {_package.Limits.MemoryMegabytes:N0} MiB memory limit (limits.memoryMegabytes)"
            : reply.Detail ?? reply.Outcome;
    }

    /// <summary>One request and its reply; on a deadline, a dead or misbehaving worker, the worker is ended and the
    /// reply is null with the reason.</summary>
    private (EvaluatorReply? Reply, string? Failure) Call(EvaluatorRequest request, TimeSpan deadline, string overtime)
    {
        var worker = _worker!;
        worker.ClearStderr();
        using var timeout = new CancellationTokenSource(deadline);
        string? broken = null;
        try
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(request, EvaluatorJson.Default.EvaluatorRequest);
            worker.SendAsync(FrameType.Evaluate, [body], timeout.Token).GetAwaiter().GetResult();
            var header = worker.ReadHeaderAsync(timeout.Token).GetAwaiter().GetResult();
            if (header is { } h)
            {
                if (h.Type != FrameType.Evaluated || h.Length > MaxReplyBytes)
                {
                    broken = $"a {h.Type} frame of {h.Length:N0} bytes instead of a reply";
                }
                else
                {
                    var reply = JsonSerializer.Deserialize(worker.ReadBodyAsync(h.Length, timeout.Token).GetAwaiter().GetResult(), EvaluatorJson.Default.EvaluatorReply);
                    if (reply is not null)
                    {
                        return (reply, null);
                    }

                    broken = "an empty reply";
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            End();
            return (null, overtime);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or JsonException or InvalidDataException)
        {
            broken = null;
        }

        worker.WaitForExitAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        var how = worker.Describe();
        End();
        return (null, broken is not null
            ? $"its worker sent {broken}"
            : how.Contains("OutOfMemory", StringComparison.Ordinal) || how.Contains("Out of memory", StringComparison.OrdinalIgnoreCase) || how.Contains("SIGKILL", StringComparison.Ordinal)
                ? $"it ran out of its {_package.Limits.MemoryMegabytes:N0} MiB memory limit (limits.memoryMegabytes; {how})"
                : how.Contains("Stack overflow", StringComparison.Ordinal)
                    ? "its stack overflowed (endless or very deep recursion in the evaluator); its worker was ended and the next evaluation starts a new one"
                    : $"its worker process ended ({how})");
    }

    private PackageVerdict Retire(PackageVerdict verdict)
    {
        End();
        return verdict;
    }

    private string Cap(string text) =>
        text.Length <= _package.Limits.FeedbackChars ? text : string.Concat(text.AsSpan(0, _package.Limits.FeedbackChars - 1), "…");

    private void End()
    {
        if (_worker is { } worker)
        {
            _worker = null;
            worker.Kill();
            worker.WaitForExitAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
            worker.Dispose();
        }
    }
}
