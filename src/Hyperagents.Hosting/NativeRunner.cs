using System.Text.Json;
using Hyperagents.Hosting.Native;
using Hyperagents.Transport;

namespace Hyperagents.Hosting;

/// <summary>Runs agents natively: each call loads the gated IL image into a worker process of its own
/// (<c>hyperagents worker</c>) that has never run agent code, and the SDK talks to the host over the worker's pipes.</summary>
/// <remarks>
/// <para><b>Native mode is not a sandbox.</b> Agent code runs with the full rights of the worker process: same user,
/// same file system, same network. The capability gate (what the code may reference) and the process boundary (what
/// the host can survive) are the only protection. Use it for trusted experiments where speed matters; the default is
/// the Wasmtime sandbox.</para>
/// <para>What this runner guarantees:</para>
/// <list type="bullet">
/// <item><description><b>Deadline.</b> When <see cref="RunLimits.WallClock"/> passes, the worker's whole process tree
/// is killed (<see cref="System.Diagnostics.Process.Kill(bool)"/>), the outcome is <see cref="OutcomeKind.Deadline"/>,
/// and the call returns within the deadline plus <see cref="NativeRunnerOptions.KillGrace"/>.
/// Nothing the agent does afterwards reaches the host: results and requests are read only from the pipe of a live call
/// that has not timed out, and no reply is written after the deadline (threat I10).</description></item>
/// <item><description><b>Cancellation.</b> Cancelling the token ends the call the same way (tree killed) and returns
/// <see cref="OutcomeKind.Cancelled"/>: the host stopped the call, the agent did not fail. No
/// <see cref="OperationCanceledException"/> escapes.</description></item>
/// <item><description><b>Crashes.</b> A worker that dies (stack overflow, fail-fast, <c>Environment.Exit</c>, a
/// signal) yields <see cref="OutcomeKind.Crashed"/> with its exit code or signal and the start of its stderr
/// (<see cref="OutcomeKind.StackOverflow"/> when the runtime reported a stack overflow). Only a
/// result record read from the pipe is success: an exit code of 0 without one is a crash (threat E11).</description></item>
/// <item><description><b>Memory.</b> Workers start with <c>DOTNET_GCHeapHardLimit</c> = <see cref="RunLimits.MemoryBytes"/>,
/// so a memory bomb fails inside the worker; an <see cref="OutOfMemoryException"/> becomes
/// <see cref="OutcomeKind.OutOfMemory"/>.</description></item>
/// <item><description><b>OS limits.</b> On Linux each worker sets, before loading agent code, limits it cannot lift
/// again: no new privileges, no core dumps, files of at most 64 MiB, at most 512 descriptors (see
/// <c>Native/ProcessLimits.cs</c>).</description></item>
/// <item><description><b>Environment.</b> Workers start from an empty environment plus
/// <see cref="NativeRunnerOptions.InheritedEnvironment"/> and the runtime knobs the runner sets; no API key of the host
/// is passed (threat E5).</description></item>
/// <item><description><b>Output.</b> Console output is captured inside the worker, capped at
/// <see cref="RunLimits.MaxOutputBytes"/>, and neutralised again on the host (control and ANSI escape characters shown as
/// <c>\xNN</c>) before it lands in <see cref="AgentOutcome.Output"/>.</description></item>
/// <item><description><b>Capability requests.</b> Every frame from the worker is untrusted and size-checked before it
/// is buffered. A request larger than <see cref="RunLimits.MaxMessageBytes"/> is drained unread and refused with
/// <c>too-large</c> (the agent sees a catchable <see cref="HostCallException"/>; the handler never sees it); a handler
/// reply over the cap is replaced by the same refusal. The request after the <see cref="RunLimits.MaxHostCalls"/>-th ends
/// the call as <see cref="OutcomeKind.TooManyHostCalls"/> and kills the worker: limits are enforced out of band, never by an
/// exception the agent could catch and ignore. A malformed or oversized frame of any other kind ends the call as
/// <see cref="OutcomeKind.Crashed"/> and kills the worker. A handler that throws ends the call as
/// <see cref="OutcomeKind.HostFault"/>.</description></item>
/// <item><description><b>Fresh state.</b> A worker runs one call and exits; it is never reused, across variants or within
/// one. So every call starts from the state of a new process for everything agent code can change inside it: culture
/// (<c>CultureInfo.Current*</c>, <c>DefaultThreadCurrent*</c>), shared pools (<c>ArrayPool&lt;T&gt;.Shared</c>,
/// <c>MemoryPool&lt;T&gt;.Shared</c>), interned strings, locks held on shared objects, encoding providers, regex cache
/// settings, and the static state of every library type, known or not. Nothing is reset by enumeration; the process
/// is simply new. The worker enforces it on its side too: it takes one job, then exits. To keep the latency of a
/// process start off the call, <see cref="NativeRunnerOptions.SpareWorkers"/> fresh workers are started ahead; a spare
/// has run no agent code, so it is as fresh as a worker started on demand.</description></item>
/// </list>
/// <para>Transport: length-prefixed frames on the worker's standard input and output (stderr is kept for crash
/// reports). Anonymous pipes passed by handle were not used because on Unix an inheritable pipe end is inherited by
/// every process started while it is open, sibling workers included: a dead worker's pipe would stay open and one worker
/// could reach another's channel. Redirected standard streams are duplicated into their own child only. Inside the
/// worker, <see cref="Console"/> is redirected to the capture before any agent code runs; an agent that writes to the
/// raw standard output anyway only breaks its own call (<see cref="OutcomeKind.Crashed"/>).</para>
/// <para>What it does not guarantee: confidentiality of anything the worker's user can read (files, network, other
/// processes); containment of a process that escapes the process tree (double fork, <c>setsid</c>) before the kill;
/// CPU, disk or handle limits (no cgroup or job object is used); freshness of anything outside the worker process (files,
/// other processes: the gate is what keeps agents away from them); isolation from timing side channels; the console
/// output of a call that times out or crashes (it dies with the worker).</para>
/// </remarks>
public sealed class NativeRunner : IAgentRunner
{
    /// <summary>The name this runner is registered under.</summary>
    public const string RunnerName = "native";

    private readonly NativeRunnerOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _poolLock = new();
    private readonly List<WorkerProcess> _spares = [];
    private readonly List<Task> _background = [];
    private int _sparesStarting;
    private long _calls;
    private long _callsOnSpares;
    private long _workersStarted;
    private long _workersKilled;
    private int _disposed;

    /// <summary>Creates the runner; workers are started on first use or by <see cref="WarmUpAsync"/>.</summary>
    /// <param name="options">How to start and manage workers.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public NativeRunner(NativeRunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _slots = new SemaphoreSlim(options.PoolSize, options.PoolSize);
    }

    /// <inheritdoc/>
    public string Name => RunnerName;

    /// <inheritdoc/>
    /// <value>The worker pool's size (<see cref="NativeRunnerOptions.PoolSize"/>): one call per worker.</value>
    public int Capacity => _options.PoolSize;

    /// <summary>A snapshot of the worker counters.</summary>
    public NativeRunnerStatistics Statistics => new(
        Interlocked.Read(ref _calls),
        Interlocked.Read(ref _callsOnSpares),
        Interlocked.Read(ref _workersStarted),
        Interlocked.Read(ref _workersKilled));

    /// <inheritdoc/>
    public Task<AgentOutcome> SolveTaskAsync(CompiledAgent agent, TaskInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        CallRules.CheckRequest(agent, invocation, host, limits);
        return RunAsync(agent, new WorkerJob(WorkerJob.Solve, agent.AssemblyName, limits.MaxOutputBytes, limits.MaxMessageBytes, invocation, null), host, limits, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AgentOutcome> ModifySelfAsync(CompiledAgent agent, MetaInvocation invocation, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        CallRules.CheckRequest(agent, invocation, host, limits);
        return RunAsync(agent, new WorkerJob(WorkerJob.ModifySelf, agent.AssemblyName, limits.MaxOutputBytes, limits.MaxMessageBytes, null, invocation), host, limits, cancellationToken);
    }

    /// <summary>Starts spare workers until <see cref="NativeRunnerOptions.SpareWorkers"/> fresh workers with this memory
    /// cap are ready, so that the next calls do not wait for a process start.</summary>
    /// <param name="memoryBytes">The memory cap the workers are started with; calls with another
    /// <see cref="RunLimits.MemoryBytes"/> start their own.</param>
    /// <param name="cancellationToken">Stops the warm-up.</param>
    /// <exception cref="InvalidOperationException">A worker could not be started.</exception>
    public async Task WarmUpAsync(long memoryBytes, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int missing;
        lock (_poolLock)
        {
            missing = MakeRoomLocked(memoryBytes);
        }

        for (var i = 0; i < missing; i++)
        {
            Release(await StartWorkerAsync(memoryBytes, cancellationToken).ConfigureAwait(false), WorkerFate.Spare);
        }
    }

    /// <summary>Retires every worker and waits for them to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        List<WorkerProcess> spares;
        lock (_poolLock)
        {
            spares = [.. _spares];
            _spares.Clear();
        }

        foreach (var worker in spares)
        {
            Track(worker.RetireAsync(_options.KillGrace));
        }

        // A spare still starting retires itself when it sees the runner disposed; wait for those too.
        while (true)
        {
            Task[] pending;
            lock (_poolLock)
            {
                _background.RemoveAll(t => t.IsCompleted);
                pending = [.. _background];
            }

            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }

    /// <summary>Asks a fresh worker a diagnostic question (tests: the worker's environment and process id). The worker
    /// runs no agent code for it, so it stays a spare afterwards.</summary>
    internal async Task<WorkerProbeReply> ProbeAsync(string name, long memoryBytes, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        WorkerProcess? worker = null;
        var fate = WorkerFate.Dead;
        try
        {
            worker = await AcquireAsync(memoryBytes, forCall: false, cancellationToken).ConfigureAwait(false);
            await worker.SendAsync(FrameType.Probe, [JsonSerializer.SerializeToUtf8Bytes(new WorkerProbe(name), WorkerJson.Default.WorkerProbe)], cancellationToken).ConfigureAwait(false);
            var frame = await worker.ReadControlFrameAsync(FrameType.ProbeReply, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException("The worker closed its pipe instead of answering the probe: " + worker.Describe());
            var reply = JsonSerializer.Deserialize(frame, WorkerJson.Default.WorkerProbeReply) ?? throw new InvalidOperationException("Empty probe reply.");
            fate = WorkerFate.Spare;
            return reply;
        }
        finally
        {
            if (worker is not null)
            {
                if (fate == WorkerFate.Dead && worker.Kill())
                {
                    Interlocked.Increment(ref _workersKilled);
                }

                Release(worker, fate);
            }

            _slots.Release();
        }
    }

    internal void CountKill() => Interlocked.Increment(ref _workersKilled);

    private async Task<AgentOutcome> RunAsync(CompiledAgent agent, WorkerJob job, ICapabilityHandler host, RunLimits limits, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return CallRules.Cancelled(started: false).ToOutcome(TimeSpan.Zero, null, "", 0);
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return CallRules.Cancelled(started: false).ToOutcome(TimeSpan.Zero, null, "", 0);
        }

        WorkerProcess? worker = null;
        var fate = WorkerFate.Dead;
        try
        {
            worker = await AcquireAsync(limits.MemoryBytes, forCall: true, cancellationToken).ConfigureAwait(false);
            worker.MarkUsed();
            Interlocked.Increment(ref _calls);
            var call = new NativeCall(this, _options, worker, host, limits, job, agent.Image);
            (var outcome, fate) = await call.RunAsync(cancellationToken).ConfigureAwait(false);
            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (worker is not null && worker.Kill())
            {
                CountKill();
            }

            return CallRules.Cancelled(started: worker is not null).ToOutcome(TimeSpan.Zero, null, "", 0);
        }
        finally
        {
            if (worker is not null)
            {
                Release(worker, fate);
            }

            _slots.Release();
        }
    }

    /// <summary>A worker that has never run a job: a ready spare with this memory cap, or a new one. For a call, spares are
    /// topped up in the background while the call runs, so the next call finds one ready.</summary>
    private async Task<WorkerProcess> AcquireAsync(long memoryBytes, bool forCall, CancellationToken cancellationToken)
    {
        WorkerProcess? spare = null;
        lock (_poolLock)
        {
            for (var i = _spares.Count - 1; i >= 0; i--)
            {
                var candidate = _spares[i];
                if (candidate.HasExited)
                {
                    _spares.RemoveAt(i);
                    candidate.Dispose();
                }
                else if (spare is null && candidate.MemoryBytes == memoryBytes)
                {
                    _spares.RemoveAt(i);
                    spare = candidate;
                }
            }
        }

        if (forCall)
        {
            if (spare is not null)
            {
                Interlocked.Increment(ref _callsOnSpares);
            }

            TopUpSpares(memoryBytes);
        }

        return spare ?? await StartWorkerAsync(memoryBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts spares in the background until <see cref="NativeRunnerOptions.SpareWorkers"/> are ready or starting.
    /// Spares with another memory cap make room: a worker's heap cap is fixed at its start.</summary>
    private void TopUpSpares(long memoryBytes)
    {
        int missing;
        lock (_poolLock)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            missing = MakeRoomLocked(memoryBytes);
            _sparesStarting += missing;
        }

        for (var i = 0; i < missing; i++)
        {
            Track(StartSpareAsync(memoryBytes));
        }
    }

    /// <summary>Retires spares with another memory cap while the spares are full, and returns how many more spares (ready
    /// or starting) there is room for. Call under the pool lock.</summary>
    private int MakeRoomLocked(long memoryBytes)
    {
        for (var i = 0; i < _spares.Count && _spares.Count + _sparesStarting >= _options.SpareWorkers;)
        {
            if (_spares[i].MemoryBytes == memoryBytes)
            {
                i++;
                continue;
            }

            Track(_spares[i].RetireAsync(_options.KillGrace));
            _spares.RemoveAt(i);
        }

        return Math.Max(0, _options.SpareWorkers - _spares.Count - _sparesStarting);
    }

    private async Task StartSpareAsync(long memoryBytes)
    {
        WorkerProcess? worker = null;
        try
        {
            worker = await StartWorkerAsync(memoryBytes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The next call starts its own worker and reports why that fails.
        }
        finally
        {
            lock (_poolLock)
            {
                _sparesStarting--;
            }
        }

        if (worker is not null)
        {
            Release(worker, WorkerFate.Spare);
        }
    }

    private async Task<WorkerProcess> StartWorkerAsync(long memoryBytes, CancellationToken cancellationToken)
    {
        var worker = await WorkerProcess.StartAsync(_options, memoryBytes, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _workersStarted);
        return worker;
    }

    private void Release(WorkerProcess worker, WorkerFate fate)
    {
        if (fate == WorkerFate.Spare)
        {
            if (worker.Used)
            {
                throw new InvalidOperationException("A worker that ran a job was offered as a spare; workers run one job only.");
            }

            lock (_poolLock)
            {
                if (!worker.HasExited && Volatile.Read(ref _disposed) == 0 && _spares.Count < Math.Max(1, _options.SpareWorkers))
                {
                    _spares.Add(worker);
                    return;
                }
            }

            fate = worker.HasExited ? WorkerFate.Dead : WorkerFate.Retire;
        }

        if (fate == WorkerFate.Retire)
        {
            Track(worker.RetireAsync(_options.KillGrace));
        }
        else
        {
            if (!worker.HasExited && worker.Kill())
            {
                CountKill();
            }

            Track(ReapAsync(worker));
        }
    }

    private async Task ReapAsync(WorkerProcess worker)
    {
        await worker.WaitForExitAsync(_options.KillGrace).ConfigureAwait(false);
        worker.Dispose();
    }

    private void Track(Task task)
    {
        lock (_poolLock)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }
}
