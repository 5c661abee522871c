using System.Buffers.Binary;
using System.Text;
using Hyperagents.Hosting;
using Wasmtime;

namespace Hyperagents.Sandbox;

/// <summary>The host implementation of every <c>env.*</c> and <c>wasi_snapshot_preview1.*</c> import of the pinned
/// runtime pack. Nothing here reaches the host's files, network, environment or clock: file-system and socket calls
/// fail, the environment is empty, the clock is virtual (derived from fuel) and entropy is a seeded stream.</summary>
/// <remarks>Every import charges fuel and does bounded work; every pointer is bounds-checked by <see cref="GuestVm.Read"/>.</remarks>
internal static class GuestImports
{
    private const int Ebadf = 8;
    private const int Einval = 28;
    private const int Enoent = 44;
    private const int Enosys = 52;
    private const int Enotty = 59;
    private const int Erange = 68;
    private const int Espipe = 70;
    private const long CallFuel = 200;
    private const int MaxIovecs = 1024;

    private delegate void Handler(GuestVm vm, Caller caller, ReadOnlySpan<ValueBox> args, Span<ValueBox> results);

    private static readonly Dictionary<string, Handler> s_handlers = Build();

    /// <summary>The names of every import the host implements, as <c>module.name</c>.</summary>
    public static IReadOnlyCollection<string> Implemented => s_handlers.Keys;

    public static Linker CreateLinker(Engine engine, Module module)
    {
        var linker = new Linker(engine);
        var missing = new List<string>();
        foreach (var import in module.Imports)
        {
            var key = $"{import.ModuleName}.{import.Name}";
            if (import is not FunctionImport function || !s_handlers.TryGetValue(key, out var handler))
            {
                missing.Add(key);
                continue;
            }

            linker.DefineFunction(import.ModuleName, import.Name, (caller, args, results) =>
            {
                var vm = (GuestVm)caller.GetData()!;
                Charge(vm, caller, CallFuel);
                handler(vm, caller, args, results);
            }, function.Parameters, function.Results);
        }

        if (missing.Count > 0)
        {
            linker.Dispose();
            throw new SandboxUnavailableException("The host implements no import for: " + string.Join(", ", missing), missing);
        }

        return linker;
    }

    private static void Charge(GuestVm vm, Caller caller, long amount)
    {
        var fuel = caller.Fuel;
        if (fuel < (ulong)amount)
        {
            caller.Fuel = 0;
            vm.SetFatal(OutcomeKind.OutOfFuel, "the fuel budget ran out inside a host call");
            throw new GuestFaultException("out of fuel in a host call");
        }

        caller.Fuel = fuel - (ulong)amount;
    }

    private static Dictionary<string, Handler> Build()
    {
        var h = new Dictionary<string, Handler>(StringComparer.Ordinal);

        // Process control and diagnostics.
        h["env.abort"] = (vm, _, _, _) => Exit(vm, "the guest runtime aborted");
        h["env.exit"] = (vm, _, a, _) => Exit(vm, $"the guest runtime exited with code {a[0].AsInt32()}");
        h["env.emscripten_force_exit"] = (vm, _, a, _) => Exit(vm, $"the guest runtime exited with code {a[0].AsInt32()}");
        h["env.mono_wasm_trace_logger"] = TraceLogger;
        h["env.mono_wasm_process_current_pid"] = (_, _, _, r) => r[0] = 1;
        h["env.mono_wasm_console_clear"] = Nothing;
        h["env.mono_wasm_set_entrypoint_breakpoint"] = Nothing;
        h["env.mono_wasm_debugger_log"] = Nothing;
        h["env.mono_wasm_asm_loaded"] = Nothing;
        h["env.mono_wasm_add_dbg_command_received"] = Nothing;
        h["env.mono_wasm_fire_debugger_agent_message_with_data"] = Nothing;
        h["env.mono_wasm_get_locale_info"] = (_, _, _, r) => r[0] = 0;
        h["env.strftime"] = (_, _, _, r) => r[0] = 0;

        // JavaScript interop does not exist here; reaching it is a protocol violation.
        foreach (var name in new[] { "mono_wasm_bind_js_import_ST", "mono_wasm_invoke_jsimport_ST", "mono_wasm_release_cs_owned_object",
                     "mono_wasm_resolve_or_reject_promise", "mono_wasm_invoke_js_function", "mono_wasm_cancel_promise" })
        {
            h["env." + name] = (vm, _, _, _) => Stop(vm, OutcomeKind.Crashed, $"the guest called JavaScript interop ({name}), which the sandbox does not provide");
        }

        // The interpreter's jiterpreter hooks: GuestVm.RuntimeOptions turn the jiterpreter off, so none of them is ever
        // called; a call means those options did not take effect, and the VM stops rather than run half-configured.
        Handler jiterpreter = (vm, _, _, _) => Stop(vm, OutcomeKind.Crashed, "unexpected jiterpreter call: the runtime options that turn it off did not take effect");
        h["env.mono_interp_tier_prepare_jiterpreter"] = jiterpreter;
        h["env.mono_interp_jit_wasm_entry_trampoline"] = jiterpreter;
        h["env.mono_interp_invoke_wasm_jit_call_trampoline"] = jiterpreter;
        h["env.mono_interp_jit_wasm_jit_call_trampoline"] = jiterpreter;
        h["env.mono_interp_flush_jitcall_queue"] = jiterpreter;
        h["env.mono_interp_record_interp_entry"] = jiterpreter;
        h["env.mono_wasm_free_method_data"] = Nothing;

        // Scheduling: the host pumps background jobs and timers between entries.
        h["env.schedule_background_exec"] = (vm, _, _, _) => vm.BackgroundPending = true;
        h["env.mono_wasm_schedule_timer"] = (vm, c, a, _) => vm.TimerDueMs = vm.NowMs(c.Fuel) + Math.Max(0, a[0].AsInt32());

        // C++ exception and setjmp/longjmp support.
        h["env.invoke_vi"] = (vm, _, a, _) => vm.InvokeIndirect(a[0].AsInt32(), a[1].AsInt32());
        h["env.__cxa_throw"] = (vm, _, a, _) => CxxThrow(vm, a[0].AsInt32());
        h["env.__resumeException"] = (vm, _, a, _) => CxxThrow(vm, a[0].AsInt32());
        h["env.__cxa_find_matching_catch_3"] = (vm, _, _, r) => r[0] = vm.CxxThrownPointer;
        h["env.llvm_eh_typeid_for"] = (_, _, _, r) => r[0] = 0;
        h["env.__cxa_begin_catch"] = (_, _, a, r) => r[0] = a[0].AsInt32();
        h["env.__cxa_end_catch"] = Nothing;

        // Clock and entropy: virtual and seeded (deterministic per call).
        h["env.emscripten_date_now"] = (vm, c, _, r) => r[0] = GuestVm.VirtualEpoch.ToUnixTimeMilliseconds() + Math.Floor(vm.NowMs(c.Fuel));
        h["env.emscripten_get_now"] = (vm, c, _, r) => r[0] = vm.NowMs(c.Fuel);
        h["env._emscripten_get_now_is_monotonic"] = (_, _, _, r) => r[0] = 1;
        h["env.emscripten_get_now_res"] = (_, _, _, r) => r[0] = 1000.0;
        h["env.mono_wasm_browser_entropy"] = (vm, c, a, r) =>
        {
            var length = a[1].AsInt32();
            var buffer = vm.Read(a[0].AsInt32(), length);
            Charge(vm, c, length / 8);
            vm.FillEntropy(buffer);
            r[0] = 0;
        };
        h["env._localtime_js"] = (vm, _, a, _) => WriteTm(vm, a[0].AsInt64(), a[1].AsInt32());
        h["env._gmtime_js"] = (vm, _, a, _) => WriteTm(vm, a[0].AsInt64(), a[1].AsInt32());
        h["env._tzset_js"] = (vm, _, a, _) =>
        {
            BinaryPrimitives.WriteInt32LittleEndian(vm.Read(a[0].AsInt32(), 4), 0);
            BinaryPrimitives.WriteInt32LittleEndian(vm.Read(a[1].AsInt32(), 4), 0);
            "UTC\0"u8.CopyTo(vm.Read(a[2].AsInt32(), 4));
            "UTC\0"u8.CopyTo(vm.Read(a[3].AsInt32(), 4));
        };

        // Memory.
        h["env.emscripten_get_heap_max"] = (vm, _, _, r) => r[0] = (int)Math.Min(vm.MemoryLimit, 2L * 1024 * 1024 * 1024 - 65536);
        h["env.emscripten_resize_heap"] = ResizeHeap;
        h["env._mmap_js"] = Errno(-Enosys);
        h["env._munmap_js"] = Errno(-Enosys);
        h["env._msync_js"] = Errno(-Enosys);

        // Environment: empty.
        h["wasi_snapshot_preview1.environ_sizes_get"] = (vm, _, a, r) =>
        {
            BinaryPrimitives.WriteInt32LittleEndian(vm.Read(a[0].AsInt32(), 4), 0);
            BinaryPrimitives.WriteInt32LittleEndian(vm.Read(a[1].AsInt32(), 4), 0);
            r[0] = 0;
        };
        h["wasi_snapshot_preview1.environ_get"] = (_, _, _, r) => r[0] = 0;

        // File descriptors: only 0, 1, 2 exist; stdin is empty; stdout/stderr go to the capped buffer.
        h["wasi_snapshot_preview1.fd_write"] = FdWrite;
        h["wasi_snapshot_preview1.fd_read"] = (vm, _, a, r) =>
        {
            if (a[0].AsInt32() != 0)
            {
                r[0] = Ebadf;
                return;
            }

            BinaryPrimitives.WriteInt32LittleEndian(vm.Read(a[3].AsInt32(), 4), 0);
            r[0] = 0;
        };
        h["wasi_snapshot_preview1.fd_close"] = (_, _, a, r) => r[0] = IsStdio(a[0].AsInt32()) ? 0 : Ebadf;
        h["wasi_snapshot_preview1.fd_sync"] = (_, _, a, r) => r[0] = IsStdio(a[0].AsInt32()) ? 0 : Ebadf;
        h["wasi_snapshot_preview1.fd_seek"] = (_, _, a, r) => r[0] = IsStdio(a[0].AsInt32()) ? Espipe : Ebadf;
        h["wasi_snapshot_preview1.fd_pread"] = (_, _, a, r) => r[0] = IsStdio(a[0].AsInt32()) ? Espipe : Ebadf;
        h["wasi_snapshot_preview1.fd_pwrite"] = (_, _, a, r) => r[0] = IsStdio(a[0].AsInt32()) ? Espipe : Ebadf;
        h["wasi_snapshot_preview1.fd_fdstat_get"] = (vm, _, a, r) =>
        {
            if (!IsStdio(a[0].AsInt32()))
            {
                r[0] = Ebadf;
                return;
            }

            var stat = vm.Read(a[1].AsInt32(), 24);
            stat.Clear();
            stat[0] = 2; // character device
            r[0] = 0;
        };
        h["env.__syscall_fcntl64"] = (vm, _, a, r) =>
        {
            var fd = a[0].AsInt32();
            if (!IsStdio(fd))
            {
                r[0] = -Ebadf;
                return;
            }

            r[0] = a[1].AsInt32() switch
            {
                0 or 1030 => fd, // F_DUPFD, F_DUPFD_CLOEXEC: the same descriptor, so Console can write to it
                1 or 2 or 4 => 0,
                3 => fd == 0 ? 0 : 1,
                _ => -Einval,
            };
        };
        h["env.__syscall_ioctl"] = (_, _, a, r) => r[0] = IsStdio(a[0].AsInt32()) ? -Enotty : -Ebadf;
        h["env.__syscall_getcwd"] = (vm, _, a, r) =>
        {
            if (a[1].AsInt32() < 2)
            {
                r[0] = -Erange;
                return;
            }

            "/\0"u8.CopyTo(vm.Read(a[0].AsInt32(), 2));
            r[0] = 2;
        };
        h["env.__syscall_fstat64"] = (vm, _, a, r) =>
        {
            if (!IsStdio(a[0].AsInt32()))
            {
                r[0] = -Ebadf;
                return;
            }

            var stat = vm.Read(a[1].AsInt32(), 96);
            stat.Clear();
            BinaryPrimitives.WriteInt32LittleEndian(stat[4..], 0x2000 | 0x180); // S_IFCHR | rw
            r[0] = 0;
        };

        // The file system does not exist: every path lookup fails, every other descriptor is bad.
        foreach (var name in new[] { "__syscall_faccessat", "__syscall_chdir", "__syscall_chmod", "__syscall_openat", "__syscall_stat64",
                     "__syscall_newfstatat", "__syscall_lstat64", "__syscall_mkdirat", "__syscall_readlinkat", "__syscall_renameat",
                     "__syscall_rmdir", "__syscall_symlink", "__syscall_unlinkat", "__syscall_utimensat" })
        {
            h["env." + name] = Denied(-Enoent);
        }

        foreach (var name in new[] { "__syscall_fchmod", "__syscall_ftruncate64", "__syscall_fadvise64", "__syscall_getdents64", "__syscall_fstatfs64" })
        {
            h["env." + name] = Denied(-Ebadf);
        }

        // There is no network.
        foreach (var name in new[] { "__syscall_socket", "__syscall_connect", "__syscall_sendto", "__syscall_recvfrom" })
        {
            h["env." + name] = Denied(-Enosys);
        }

        return h;
    }

    private static void Nothing(GuestVm vm, Caller caller, ReadOnlySpan<ValueBox> args, Span<ValueBox> results)
    {
    }

    private static Handler Errno(int value) => (_, _, _, r) => r[0] = value;

    private static Handler Denied(int value) => (vm, _, _, r) =>
    {
        vm.DeniedSyscalls++;
        r[0] = value;
    };

    private static bool IsStdio(int fd) => fd is >= 0 and <= 2;

    private static void Stop(GuestVm vm, OutcomeKind kind, string detail)
    {
        vm.SetFatal(kind, detail);
        throw new GuestFaultException(detail);
    }

    private static void Exit(GuestVm vm, string detail)
    {
        // An uncatchable StackOverflowException makes Mono print its fatal message and exit.
        if (vm.Output.SawStackOverflow)
        {
            Stop(vm, OutcomeKind.StackOverflow, "the guest's call stack overflowed (System.StackOverflowException)");
        }

        Stop(vm, OutcomeKind.Crashed, detail + LastTrace(vm));
    }

    private static string LastTrace(GuestVm vm) => vm.Trace.Count == 0 ? "" : ": " + vm.Trace[^1];

    private static void CxxThrow(GuestVm vm, int pointer)
    {
        vm.CxxThrown = true;
        vm.CxxThrownPointer = pointer;
        throw new GuestFaultException("C++ exception");
    }

    private static void TraceLogger(GuestVm vm, Caller caller, ReadOnlySpan<ValueBox> args, Span<ValueBox> results)
    {
        var message = CStringAt(vm, args[2].AsInt32(), 1024);
        if (vm.Trace.Count < 32)
        {
            vm.Trace.Add(GuestOutput.Neutralise(message));
        }

        if (args[3].AsInt32() != 0)
        {
            var kind = message.Contains("stack overflow", StringComparison.OrdinalIgnoreCase) ? OutcomeKind.StackOverflow : OutcomeKind.Crashed;
            Stop(vm, kind, "the guest runtime failed: " + GuestOutput.Neutralise(message));
        }
    }

    private static string CStringAt(GuestVm vm, int pointer, int max)
    {
        if (pointer == 0)
        {
            return "";
        }

        var available = (int)Math.Min(max, Math.Max(0, vm.Memory.GetLength() - (uint)pointer));
        var bytes = vm.Read(pointer, available);
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static void FdWrite(GuestVm vm, Caller caller, ReadOnlySpan<ValueBox> args, Span<ValueBox> results)
    {
        var fd = args[0].AsInt32();
        var count = args[2].AsInt32();
        if (fd is not (1 or 2))
        {
            results[0] = Ebadf;
            return;
        }

        if (count is < 0 or > MaxIovecs)
        {
            results[0] = Einval;
            return;
        }

        var vectors = vm.Read(args[1].AsInt32(), count * 8).ToArray();
        long written = 0;
        for (var i = 0; i < count; i++)
        {
            var pointer = BinaryPrimitives.ReadInt32LittleEndian(vectors.AsSpan(i * 8));
            var length = BinaryPrimitives.ReadInt32LittleEndian(vectors.AsSpan(i * 8 + 4));
            var bytes = vm.Read(pointer, length);
            Charge(vm, caller, 16 + length / 16);
            vm.Output.Append(bytes);
            written += length;
        }

        BinaryPrimitives.WriteInt32LittleEndian(vm.Read(args[3].AsInt32(), 4), (int)Math.Min(written, int.MaxValue));
        results[0] = 0;
    }

    private static void ResizeHeap(GuestVm vm, Caller caller, ReadOnlySpan<ValueBox> args, Span<ValueBox> results)
    {
        var requested = (long)(uint)args[0].AsInt32();
        var current = vm.Memory.GetLength();
        if (requested <= current)
        {
            results[0] = 1;
            return;
        }

        // Grow by at least a fifth, as Emscripten does, but never past the cap.
        var target = Math.Min(vm.MemoryLimit, Math.Max(requested, current + current / 5));
        if (requested > vm.MemoryLimit || target <= current)
        {
            vm.HeapRefused = true;
            results[0] = 0;
            return;
        }

        var pages = (target - current + Memory.PageSize - 1) / Memory.PageSize;
        Charge(vm, caller, pages * 64);
        try
        {
            vm.Memory.Grow(pages);
            results[0] = 1;
        }
        catch (WasmtimeException)
        {
            vm.HeapRefused = true;
            results[0] = 0;
        }
    }

    private static void WriteTm(GuestVm vm, long seconds, int pointer)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, -62135596800, 253402300799));
        var tm = vm.Read(pointer, 44);
        tm.Clear();
        int[] fields = [time.Second, time.Minute, time.Hour, time.Day, time.Month - 1, time.Year - 1900, (int)time.DayOfWeek, time.DayOfYear - 1, 0];
        for (var i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(tm[(i * 4)..], fields[i]);
        }
    }
}
