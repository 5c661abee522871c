using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Transport;
using Wasmtime;

namespace Hyperagents.Sandbox;

/// <summary>One Mono runtime in one fresh Wasmtime store: booted once, used for one agent call, then disposed.</summary>
/// <remarks>Everything read from linear memory is hostile: every pointer and length is bounds-checked against the
/// memory's current size and every message against the call's caps.</remarks>
internal sealed partial class GuestVm : IDisposable
{
    /// <summary>Fuel per virtual millisecond: the guest clock advances with the work done, so time is deterministic.</summary>
    internal const long FuelPerVirtualMs = 2_000_000;

    /// <summary>The virtual wall clock starts at this instant (UTC) in every VM.</summary>
    internal static readonly DateTimeOffset VirtualEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Options given to Mono before it loads, through the pack's <c>mono_wasm_parse_runtime_options</c>.</summary>
    /// <remarks>The jiterpreter (Mono's trace JIT) compiles through JavaScript, which the sandbox does not have. Left on,
    /// the interpreter plants a trace-entry opcode in every hot loop, executes it on each iteration and asks the host to
    /// compile traces it must refuse; off, the same code runs 15–20 % faster and spends that much less fuel.</remarks>
    internal static readonly IReadOnlyList<string> RuntimeOptions =
    [
        "--no-jiterpreter-traces-enabled",
        "--no-jiterpreter-interp-entry-enabled",
        "--no-jiterpreter-jit-call-enabled",
    ];

    private const ulong BootFuel = 40_000_000_000;
    private const long BootMemoryBytes = 512L * 1024 * 1024;
    private const int MaxTableElements = 20_000;
    private const int MaxCapabilityNameBytes = 64;
    private const ulong BootSeed = 0x5EED_B007;

    private readonly SandboxEngine _engine;
    private Store _store = null!;
    private Memory _memory = null!;
    private Table _table = null!;
    private Func<int, int> _malloc = null!;
    private Action<int> _free = null!;
    private Action<int, int> _invokeExport = null!;
    private Action _backgroundExec = null!;
    private Action _executeTimer = null!;
    private Action<int, int> _setThrew = null!;
    private Func<int> _stackSave = null!;
    private Action<int> _stackRestore = null!;
    private int _io;
    private int _startMethod;
    private int _resumeMethod;
    private int _pollMethod;
    private long _deadlineTimestamp;
    private CancellationToken _cancellation;
    private ulong _fuelSet;
    private long _fuelConsumedBefore;
    private double _clockSkewMs;
    private ulong _entropy = BootSeed;
    private bool _used;

    private GuestVm(SandboxEngine engine) => _engine = engine;

    internal GuestOutput Output { get; private set; } = new(64 * 1024);

    internal long MemoryLimit { get; private set; } = BootMemoryBytes;

    internal bool HeapRefused { get; set; }

    internal bool BackgroundPending { get; set; }

    internal double? TimerDueMs { get; set; }

    internal bool CxxThrown { get; set; }

    internal int CxxThrownPointer { get; set; }

    internal int DeniedSyscalls { get; set; }

    internal (OutcomeKind Kind, string Detail)? Fatal { get; private set; }

    internal List<string> Trace { get; } = new();

    internal Memory Memory => _memory;

    internal Table Table => _table;

    internal SandboxEngine Engine => _engine;

    /// <summary>The store limits of every guest: the memory cap, and one instance, one table, one memory, far below
    /// Wasmtime's defaults of 10,000.</summary>
    internal static void ApplyLimits(Store store, long memoryBytes) =>
        store.SetLimits(memorySize: memoryBytes, tableElements: MaxTableElements, instances: 1, tables: 1, memories: 1);

    /// <summary>Boots a fresh VM: instantiate, construct, register the assemblies, load the runtime, find the entries.</summary>
    public static GuestVm Boot(SandboxEngine engine, bool warm)
    {
        var vm = new GuestVm(engine);
        try
        {
            vm.BootCore(warm);
            return vm;
        }
        catch
        {
            vm.Dispose();
            throw;
        }
    }

    /// <summary>Creates a VM from a boot image: a fresh store with an instance of the snapshot module (whose initial
    /// memory is the booted, warmed VM's), or, without one, a fresh instance whose memory is overwritten with the
    /// image. Nothing runs; every such VM starts byte-for-byte identical (so fuel accounting stays deterministic).</summary>
    public static GuestVm Restore(SandboxEngine engine, BootImage image)
    {
        var vm = new GuestVm(engine);
        try
        {
            var instance = vm.Attach(engine.SnapshotModule ?? engine.Module);
            if (engine.SnapshotModule is null)
            {
                vm.RestoreCore(image);
            }
            else
            {
                // The module's own data segments are the image: nothing to copy.
                if (vm._memory.GetLength() != image.MemoryLength)
                {
                    throw vm.Protocol("the snapshot module's memory does not match the boot image");
                }

                vm.RestoreState(image);
            }

            GC.KeepAlive(instance);
            return vm;
        }
        catch
        {
            vm.Dispose();
            throw;
        }
    }

    /// <summary>Captures this booted, unused VM as an image that <see cref="Restore"/> can clone.</summary>
    public BootImage Capture(byte[] pristine)
    {
        var length = _memory.GetLength();
        var pages = new List<int>();
        var data = new MemoryStream();
        var pageSize = (int)Memory.PageSize;
        for (var page = 0; page < length / pageSize; page++)
        {
            var current = _memory.GetSpan(page * (long)pageSize, pageSize);
            var original = page * (long)pageSize < pristine.Length ? pristine.AsSpan(page * pageSize, pageSize) : default;
            var differs = original.IsEmpty ? current.IndexOfAnyExcept((byte)0) >= 0 : !current.SequenceEqual(original);
            if (differs)
            {
                pages.Add(page);
                data.Write(current);
            }
        }

        return new BootImage(length, [.. pages], data.ToArray(), _startMethod, _resumeMethod, _pollMethod, _io,
            _fuelConsumedBefore + (long)(_fuelSet - _store.Fuel), _clockSkewMs, Trace.ToArray(), BackgroundPending, TimerDueMs);
    }

    /// <summary>The data-segment-initialised memory of a fresh instance, before any code ran.</summary>
    public static byte[] Pristine(SandboxEngine engine)
    {
        using var vm = new GuestVm(engine);
        vm.Attach();
        return vm._memory.GetSpan(0, (int)vm._memory.GetLength()).ToArray();
    }

    /// <summary>The whole linear memory, for building a snapshot module.</summary>
    public byte[] CaptureMemory() => _memory.GetSpan(0, checked((int)_memory.GetLength())).ToArray();

    private void RestoreCore(BootImage image)
    {
        var pageSize = (int)Memory.PageSize;
        var grow = (image.MemoryLength - _memory.GetLength()) / pageSize;
        if (grow > 0)
        {
            _memory.Grow(grow);
        }

        for (var i = 0; i < image.Pages.Length; i++)
        {
            image.Data.AsSpan(i * pageSize, pageSize).CopyTo(_memory.GetSpan(image.Pages[i] * (long)pageSize, pageSize));
        }

        RestoreState(image);
    }

    private void RestoreState(BootImage image)
    {
        _startMethod = image.StartMethod;
        _resumeMethod = image.ResumeMethod;
        _pollMethod = image.PollMethod;
        _io = image.Io;
        _fuelConsumedBefore = image.FuelConsumed;
        _fuelSet = _store.Fuel;
        _clockSkewMs = image.ClockSkewMs;
        Trace.AddRange(image.Trace);
        BackgroundPending = image.BackgroundPending;
        TimerDueMs = image.TimerDueMs;
    }

    private Instance Attach(Module? module = null)
    {
        _store = new Store(_engine.Engine, this);
        ApplyLimits(_store, BootMemoryBytes);
        _fuelSet = BootFuel;
        _store.Fuel = BootFuel;
        _deadlineTimestamp = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        _store.SetEpochDeadlineCallback(OnEpochDeadline);
        _store.SetEpochDeadline(1);

        var instance = _engine.Linker.Instantiate(_store, module ?? _engine.Module);
        _memory = instance.GetMemory("memory") ?? throw Protocol("the module exports no memory");
        _table = instance.GetTable("__indirect_function_table") ?? throw Protocol("the module exports no function table");
        _malloc = instance.GetFunction<int, int>("malloc") ?? throw Protocol("no malloc");
        _free = instance.GetAction<int>("free") ?? throw Protocol("no free");
        _invokeExport = instance.GetAction<int, int>("mono_wasm_invoke_jsexport") ?? throw Protocol("no mono_wasm_invoke_jsexport");
        _backgroundExec = instance.GetAction("mono_background_exec") ?? throw Protocol("no mono_background_exec");
        _executeTimer = instance.GetAction("mono_wasm_execute_timer") ?? throw Protocol("no mono_wasm_execute_timer");
        _setThrew = instance.GetAction<int, int>("setThrew") ?? throw Protocol("no setThrew");
        _stackSave = instance.GetFunction<int>("stackSave") ?? throw Protocol("no stackSave");
        _stackRestore = instance.GetAction<int>("stackRestore") ?? throw Protocol("no stackRestore");
        return instance;
    }

    private void BootCore(bool warm)
    {
        var instance = Attach();
        var setenv = instance.GetAction<int, int>("mono_wasm_setenv") ?? throw Protocol("no mono_wasm_setenv");
        var addAssembly = instance.GetFunction<int, int, int, int>("mono_wasm_add_assembly") ?? throw Protocol("no mono_wasm_add_assembly");
        var parseOptions = instance.GetAction<int, int>("mono_wasm_parse_runtime_options") ?? throw Protocol("no mono_wasm_parse_runtime_options");
        var loadRuntime = instance.GetAction<int, int, int, int>("mono_wasm_load_runtime") ?? throw Protocol("no mono_wasm_load_runtime");
        var assemblyLoad = instance.GetFunction<int, int>("mono_wasm_assembly_load") ?? throw Protocol("no mono_wasm_assembly_load");
        var findClass = instance.GetFunction<int, int, int, int>("mono_wasm_assembly_find_class") ?? throw Protocol("no mono_wasm_assembly_find_class");
        var findMethod = instance.GetFunction<int, int, int, int>("mono_wasm_assembly_find_method") ?? throw Protocol("no mono_wasm_assembly_find_method");

        (instance.GetAction("__wasm_call_ctors") ?? throw Protocol("no __wasm_call_ctors"))();
        setenv(CString("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"), CString("true"));
        setenv(CString("DOTNET_SYSTEM_TIMEZONE_INVARIANT"), CString("true"));
        var argv = Malloc(sizeof(int) * RuntimeOptions.Count);
        for (var i = 0; i < RuntimeOptions.Count; i++)
        {
            // Allocate first: malloc may grow the memory, which invalidates any span taken before it.
            var option = CString(RuntimeOptions[i]);
            BinaryPrimitives.WriteInt32LittleEndian(Read(argv + (sizeof(int) * i), sizeof(int)), option);
        }

        parseOptions(RuntimeOptions.Count, argv);
        foreach (var (name, image) in _engine.BootAssemblies)
        {
            // mono_wasm_add_assembly keeps the pointers: the copies live as long as the VM.
            addAssembly(CString(name), Copy(image), image.Length);
        }

        loadRuntime(0, 0, 0, 0);
        var assembly = assemblyLoad(CString("Hyperagents.Guest"));
        if (assembly == 0)
        {
            throw Protocol("the bootstrap assembly did not load");
        }

        var entryClass = findClass(assembly, CString("Hyperagents.Guest"), CString("GuestEntry"));
        if (entryClass == 0)
        {
            throw Protocol("the bootstrap entry class was not found");
        }

        _startMethod = findMethod(entryClass, CString("Start"), 1);
        _resumeMethod = findMethod(entryClass, CString("Resume"), 1);
        _pollMethod = findMethod(entryClass, CString("Poll"), 1);
        if (_startMethod == 0 || _resumeMethod == 0 || _pollMethod == 0)
        {
            throw Protocol("a bootstrap entry method was not found");
        }

        _io = Malloc(16);
        if (warm)
        {
            var outcome = RunWarmup();
            if (!outcome.IsCompleted)
            {
                throw Protocol($"the warm-up run failed: {outcome.Label} {outcome.Detail}");
            }

            _used = false;
        }
    }

    /// <summary>Runs the bootstrap's built-in warm-up agent (SDK, JSON, LINQ, one host call) in this VM.</summary>
    internal AgentOutcome RunWarmup()
    {
        var invocation = new TaskInvocation(new TaskSpec("warm-up", "warm-up", "warm-up", new Dictionary<string, string> { ["n"] = "1" }, null), 1);
        return RunCore(3, [], JsonSerializer.SerializeToUtf8Bytes(invocation, SdkJson.Default.TaskInvocation), WarmupHandler.Instance, new RunLimits(), CancellationToken.None)
            .GetAwaiter().GetResult();
    }

    /// <summary>Runs one entry point to its end. Never throws for anything the guest does.</summary>
    public Task<AgentOutcome> RunAsync(byte kind, byte[] image, byte[] invocation, ICapabilityHandler handler, RunLimits limits, CancellationToken cancellationToken) =>
        RunCore(kind, image, invocation, handler, limits, cancellationToken);

    private async Task<AgentOutcome> RunCore(byte kind, byte[] image, byte[] invocation, ICapabilityHandler handler, RunLimits limits, CancellationToken cancellationToken)
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
        var hostCalls = 0;

        AgentOutcome Finish(OutcomeKind outcomeKind, string? answer = null, string? detail = null, string? exceptionType = null)
        {
            var consumed = (long)(_fuelSet - SafeFuel());
            if (HeapRefused && outcomeKind is OutcomeKind.Crashed or OutcomeKind.GuestException && (exceptionType is null || exceptionType == typeof(OutOfMemoryException).FullName))
            {
                outcomeKind = OutcomeKind.OutOfMemory;
                detail = $"the guest reached its memory cap of {limits.MemoryBytes / (1024 * 1024)} MiB" + (detail is null ? "" : $" ({detail})");
            }

            // Detail and exception type come from the guest: capped and neutralised like its output.
            return new AgentOutcome(outcomeKind, answer, detail is null ? null : GuestOutput.Neutralise(Truncate(detail, 4096)),
                exceptionType is null ? null : GuestOutput.Neutralise(Truncate(exceptionType, 256)), watch.Elapsed, consumed, Output.Render(), hostCalls);
        }

        try
        {
            var start = new byte[9 + image.Length + invocation.Length];
            start[0] = kind;
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
                    return result.Status switch
                    {
                        InvocationStatus.Completed when kind != 2 && result.Answer is null => Finish(OutcomeKind.Crashed, detail: "SolveTask returned null"),
                        InvocationStatus.Completed when kind != 2 && Encoding.UTF8.GetByteCount(result.Answer ?? "") > limits.MaxMessageBytes =>
                            Finish(OutcomeKind.Crashed, detail: $"the answer exceeds the {limits.MaxMessageBytes}-byte message cap"),
                        InvocationStatus.Completed => Finish(OutcomeKind.Completed, answer: result.Answer),
                        InvocationStatus.GuestException => Finish(OutcomeKind.GuestException, detail: result.ExceptionMessage, exceptionType: result.ExceptionType),
                        _ => Finish(OutcomeKind.GuestException, detail: result.ExceptionMessage ?? "no entry point", exceptionType: "Hyperagents.NoEntryPoint"),
                    };
                }

                if (status == 2)
                {
                    var message = Encoding.UTF8.GetString(reader.Block(64 * 1024));
                    return Finish(OutcomeKind.Crashed, detail: "bootstrap fault: " + message);
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

                    return Finish(OutcomeKind.Crashed, detail: "deadlock: the agent awaits something that can never complete (no host request, job or timer is pending)");
                }

                var (requestId, name, request) = queue.Dequeue();
                hostCalls++;
                HostReply reply;
                if (hostCalls > limits.MaxHostCalls)
                {
                    reply = HostReply.Fail("limit", $"the call made more than {limits.MaxHostCalls} host calls");
                }
                else if (!Capabilities.All.Contains(name))
                {
                    reply = HostReply.Fail("unknown-capability", $"'{GuestOutput.Neutralise(Truncate(name, 64))}' is not a capability");
                }
                else if (request.Length > limits.MaxMessageBytes)
                {
                    reply = HostReply.Fail("too-large", $"the request is {request.Length} bytes; the cap is {limits.MaxMessageBytes}");
                }
                else
                {
                    var remaining = TimeSpan.FromSeconds((double)(_deadlineTimestamp - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                    if (remaining <= TimeSpan.Zero)
                    {
                        return Finish(OutcomeKind.Deadline, detail: $"the wall-clock deadline of {limits.WallClock.TotalMilliseconds:0} ms passed");
                    }

                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    linked.CancelAfter(remaining);
                    try
                    {
                        reply = await handler.HandleAsync(name, request, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (linked.IsCancellationRequested)
                    {
                        return Finish(OutcomeKind.Deadline, detail: cancellationToken.IsCancellationRequested ? "the call was cancelled" : $"the deadline passed during host call '{Truncate(name, 64)}'");
                    }
                    catch (Exception ex)
                    {
                        return Finish(OutcomeKind.HostFault, detail: $"the host failed serving '{Truncate(name, 64)}': {ex.GetType().Name}: {ex.Message}");
                    }
                }

                var body = reply.Payload ?? AgentInvoker.EncodeError(reply.Error?.Error ?? "host-error", reply.Error?.Message ?? "refused");
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
            return Finish(outcomeKind, detail: detail);
        }
    }

    private void Guard(RunLimits limits)
    {
        if (Stopwatch.GetTimestamp() >= _deadlineTimestamp || _cancellation.IsCancellationRequested)
        {
            SetFatal(OutcomeKind.Deadline, _cancellation.IsCancellationRequested ? "the call was cancelled" : $"the wall-clock deadline of {limits.WallClock.TotalMilliseconds:0} ms passed");
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
                    TrapCode.Interrupt => (OutcomeKind.Deadline, $"the wall-clock deadline of {limits.WallClock.TotalMilliseconds:0} ms passed"),
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

    internal void SetFatal(OutcomeKind kind, string detail) => Fatal ??= (kind, detail);

    internal void RecordTrap(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is TrapException { Type: TrapCode.OutOfFuel })
            {
                SetFatal(OutcomeKind.OutOfFuel, "the fuel budget ran out");
            }
            else if (e is TrapException { Type: TrapCode.StackOverflow })
            {
                SetFatal(OutcomeKind.StackOverflow, "wasm trap: call stack exhausted");
            }
        }
    }

    private ulong OnEpochDeadline(Store store)
    {
        if (Stopwatch.GetTimestamp() >= _deadlineTimestamp || _cancellation.IsCancellationRequested)
        {
            SetFatal(OutcomeKind.Deadline, _cancellation.IsCancellationRequested ? "the call was cancelled" : "the wall-clock deadline passed");
            throw new GuestFaultException("deadline");
        }

        return 1;
    }

    /// <summary>The guest's monotonic clock in ms: fuel consumed so far, scaled, plus the time skipped to fire timers.</summary>
    internal double NowMs(ulong fuelLeft) => (_fuelConsumedBefore + (long)(_fuelSet - Math.Min(fuelLeft, _fuelSet))) / (double)FuelPerVirtualMs + _clockSkewMs;

    internal void FillEntropy(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            // SplitMix64: deterministic per call, seeded from the invocation's seed.
            _entropy += 0x9E3779B97F4A7C15;
            var z = _entropy;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            buffer[i] = (byte)(z ^ (z >> 31));
        }
    }

    internal void InvokeIndirect(int index, int argument)
    {
        var saved = _stackSave();
        try
        {
            if (_table.GetElement((uint)index) is not Function function)
            {
                SetFatal(OutcomeKind.Crashed, $"indirect call to an empty table slot {index}");
                throw new GuestFaultException("bad indirect call");
            }

            function.Invoke(argument);
        }
        catch (Exception) when (CxxThrown)
        {
            CxxThrown = false;
            _stackRestore(saved);
            _setThrew(1, 0);
        }
        catch (Exception ex)
        {
            RecordTrap(ex);
            throw;
        }
    }

    internal Span<byte> Read(int pointer, int length)
    {
        var address = (uint)pointer;
        if (length < 0 || address + (ulong)length > (ulong)_memory.GetLength())
        {
            throw Protocol($"out-of-bounds access [{address}, +{length})");
        }

        return length == 0 ? Span<byte>.Empty : _memory.GetSpan(address, length);
    }

    private int Malloc(int size)
    {
        var pointer = _malloc(size);
        if (pointer == 0)
        {
            throw Protocol($"the guest could not allocate {size} bytes");
        }

        _ = Read(pointer, size);
        return pointer;
    }

    private int Copy(byte[] bytes)
    {
        var pointer = Malloc(Math.Max(1, bytes.Length));
        bytes.CopyTo(Read(pointer, bytes.Length));
        return pointer;
    }

    private int CString(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        return Copy(bytes);
    }

    private ulong SafeFuel()
    {
        try
        {
            return _store.Fuel;
        }
        catch (WasmtimeException)
        {
            return 0;
        }
    }

    private static ulong SeedOf(byte[] invocation)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(invocation);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    private static string FirstLine(string text) => Truncate(text.Split('\n')[0].Trim(), 512);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private GuestProtocolException Protocol(string message)
    {
        SetFatal(OutcomeKind.Crashed, "protocol violation: " + message);
        return new GuestProtocolException(message);
    }

    public void Dispose() => _store?.Dispose();

    private ref struct StateReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public byte Byte() => _at < _data.Length ? _data[_at++] : throw new GuestProtocolException("truncated state");

        public int Int()
        {
            if (_at + 4 > _data.Length)
            {
                throw new GuestProtocolException("truncated state");
            }

            var value = BinaryPrimitives.ReadInt32LittleEndian(_data[_at..]);
            _at += 4;
            return value;
        }

        public byte[] Block(int max)
        {
            var length = Int();
            if (length < 0 || length > max || _at + length > _data.Length)
            {
                throw new GuestProtocolException($"a block of {length} bytes (cap {max})");
            }

            var block = _data.Slice(_at, length).ToArray();
            _at += length;
            return block;
        }

        public readonly void End()
        {
            if (_at != _data.Length)
            {
                throw new GuestProtocolException("trailing bytes in state");
            }
        }
    }

    private sealed class WarmupHandler : ICapabilityHandler
    {
        public static readonly WarmupHandler Instance = new();

        public ValueTask<HostReply> HandleAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(HostReply.Ok("{}"u8.ToArray()));
    }
}

/// <summary>The linear memory of a booted VM (only the 64 KiB pages that differ from a fresh instance) and the host-side
/// state that goes with it.</summary>
internal sealed record BootImage(long MemoryLength, int[] Pages, byte[] Data, int StartMethod, int ResumeMethod, int PollMethod, int Io,
    long FuelConsumed, double ClockSkewMs, string[] Trace, bool BackgroundPending, double? TimerDueMs);

/// <summary>The guest broke the host-call protocol (bad pointer, bad length, malformed state).</summary>
internal sealed class GuestProtocolException(string message) : Exception(message);

/// <summary>Thrown from a host import to stop the guest; the reason is in <see cref="GuestVm.Fatal"/>.</summary>
internal sealed class GuestFaultException(string message) : Exception(message);
