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
    private RunLimits _limits = new();
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

    internal void SetFatal(OutcomeKind kind, string detail) => Fatal ??= (kind, detail);

    /// <summary>The call ran out of time: cancelled by the caller, or past its deadline.</summary>
    private void SetDeadlineFatal()
    {
        var ending = _cancellation.IsCancellationRequested ? CallRules.Cancelled(started: true) : CallRules.Deadline(_limits);
        SetFatal(ending.Kind, ending.Detail!);
    }

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
            SetDeadlineFatal();
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

    private static string FirstLine(string text) => Truncate(text.Split('\n')[0].Trim(), 512);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private GuestProtocolException Protocol(string message)
    {
        SetFatal(OutcomeKind.Crashed, "protocol violation: " + message);
        return new GuestProtocolException(message);
    }

    public void Dispose() => _store?.Dispose();
}

/// <summary>The linear memory of a booted VM (only the 64 KiB pages that differ from a fresh instance) and the host-side
/// state that goes with it.</summary>
internal sealed record BootImage(long MemoryLength, int[] Pages, byte[] Data, int StartMethod, int ResumeMethod, int PollMethod, int Io,
    long FuelConsumed, double ClockSkewMs, string[] Trace, bool BackgroundPending, double? TimerDueMs);

/// <summary>The guest broke the host-call protocol (bad pointer, bad length, malformed state).</summary>
internal sealed class GuestProtocolException(string message) : Exception(message);

/// <summary>Thrown from a host import to stop the guest; the reason is in <see cref="GuestVm.Fatal"/>.</summary>
internal sealed class GuestFaultException(string message) : Exception(message);
