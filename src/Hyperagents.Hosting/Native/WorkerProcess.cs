using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hyperagents.Hosting.Native;

/// <summary>The host's handle on one worker process: its pipes, its stderr tail, and how to end it.</summary>
internal sealed class WorkerProcess
{
    private const int MaxControlFrame = 1024 * 1024;
    private const int StderrKeepChars = 4096;
    private readonly Process _process;
    private TimeSpan _lastCpu;
    private readonly Stream _toWorker;
    private readonly Stream _fromWorker;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _stderrLock = new();
    private readonly IWorkerConfinement? _confinement;
    private int _killed;
    private int _used;

    private WorkerProcess(Process process, long memoryBytes, IWorkerConfinement? confinement)
    {
        _process = process;
        _confinement = confinement;
        MemoryBytes = memoryBytes;
        _toWorker = process.StandardInput.BaseStream;
        _fromWorker = process.StandardOutput.BaseStream;
    }

    public int ProcessId => _process.Id;

    /// <summary>The GC heap hard limit the worker was started with.</summary>
    public long MemoryBytes { get; }

    /// <summary>Whether a job was sent to this worker; a used worker is never given another (it runs one job only).</summary>
    public bool Used => Volatile.Read(ref _used) != 0;

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>The CPU time the worker process has used (its own threads; the last reading once it has exited).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            try
            {
                return _lastCpu = _process.TotalProcessorTime;
            }
            catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
            {
                return _lastCpu;
            }
        }
    }

    public Stream FromWorker => _fromWorker;

    public Stream ToWorker => _toWorker;

    /// <summary>Starts a worker with an empty environment plus the allow-list, and waits for its hello.</summary>
    /// <exception cref="InvalidOperationException">The worker could not be started or did not report ready.</exception>
    public static async Task<WorkerProcess> StartAsync(NativeRunnerOptions options, long memoryBytes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(options.WorkerFileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = options.WorkingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in options.WorkerArguments)
        {
            start.ArgumentList.Add(argument);
        }

        // E5: an empty environment plus an allow-list, so no credential of the host reaches agent code.
        start.Environment.Clear();
        foreach (var name in options.InheritedEnvironment)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (value is not null)
            {
                start.Environment[name] = value;
            }
        }

        start.Environment["DOTNET_GCHeapHardLimit"] = memoryBytes.ToString("X", CultureInfo.InvariantCulture);
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        start.Environment["DOTNET_EnableCrashReport"] = "0";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        IWorkerConfinement? confinement = null;
        if (options.Launcher is { } launcher)
        {
            (start, confinement) = launcher.Wrap(start, memoryBytes) ?? throw new InvalidOperationException("The worker launcher returned no process start.");
        }

        start = InOwnSession(start);
        Process process;
        try
        {
            process = ProcessSpawner.Start(start);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            confinement?.Dispose();
            throw new InvalidOperationException(
                $"The native worker '{options.WorkerFileName}' could not be started: {ex.Message}. " +
                $"Fix {nameof(NativeRunnerOptions)}.{nameof(NativeRunnerOptions.WorkerFileName)} and {nameof(NativeRunnerOptions.WorkerArguments)} " +
                "(e.g. dotnet + path/to/hyperagents.dll + worker).", ex);
        }

        var worker = new WorkerProcess(process, memoryBytes, confinement);
        process.ErrorDataReceived += (_, e) => worker.OnStderr(e.Data);
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        try
        {
            var frame = await worker.ReadControlFrameAsync(FrameType.Hello, timeout.Token).ConfigureAwait(false);
            var hello = frame is null ? null : JsonSerializer.Deserialize(frame, WorkerJson.Default.WorkerHello);
            if (hello is null || hello.Protocol != Frames.ProtocolVersion)
            {
                throw new InvalidDataException(hello is null ? "no hello" : $"protocol {hello.Protocol}, expected {Frames.ProtocolVersion}");
            }

            return worker;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidDataException or JsonException or IOException)
        {
            worker.Kill();
            await worker.WaitForExitAsync(options.KillGrace).ConfigureAwait(false);
            worker._confinement?.Dispose();
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            throw new InvalidOperationException(
                $"The native worker '{options.WorkerFileName} {string.Join(' ', options.WorkerArguments)}' did not report ready " +
                $"({(ex is OperationCanceledException ? $"no hello within {options.StartTimeout.TotalSeconds:0.#} s" : ex.Message)}; {worker.Describe()}). " +
                "Check that the arguments name the hidden 'worker' command of the hyperagents CLI.", ex);
        }
    }

    /// <summary>The places util-linux's <c>setsid</c> is found.</summary>
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>Starts the worker (or its launcher: bubblewrap, runsc) in a session of its own, through util-linux's
    /// <c>setsid</c> (which execs in place: the process id stays the one the host tracks). A Ctrl+C typed in the
    /// terminal is sent to the terminal's whole foreground process group; without this it would kill every worker at
    /// once, so a run stopping gracefully would see its evaluations in flight crash, and the REPL would lose its
    /// compile worker. The host alone decides when a worker ends. Without <c>setsid</c> the worker starts as before.</summary>
    internal static ProcessStartInfo InOwnSession(ProcessStartInfo start)
    {
        if (Setsid is null || !CanExecute(start.FileName))
        {
            // A program that cannot be found fails in Process.Start, with the message naming the option to fix,
            // rather than later inside setsid as a worker that never said hello.
            return start;
        }

        var detached = new ProcessStartInfo(Setsid)
        {
            UseShellExecute = start.UseShellExecute,
            RedirectStandardInput = start.RedirectStandardInput,
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
            CreateNoWindow = start.CreateNoWindow,
            StandardErrorEncoding = start.StandardErrorEncoding,
            StandardOutputEncoding = start.StandardOutputEncoding,
            WorkingDirectory = start.WorkingDirectory,
        };
        detached.Environment.Clear();
        foreach (var (name, value) in start.Environment)
        {
            detached.Environment[name] = value;
        }

        detached.ArgumentList.Add("--");
        detached.ArgumentList.Add(start.FileName);
        foreach (var argument in start.ArgumentList)
        {
            detached.ArgumentList.Add(argument);
        }

        return detached;
    }

    /// <summary>Whether <paramref name="file"/> names an existing file: as a path when it holds a '/', else on <c>PATH</c>.</summary>
    private static bool CanExecute(string file) =>
        file.Contains('/', StringComparison.Ordinal)
            ? File.Exists(file)
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Any(directory => File.Exists(Path.Combine(directory, file)));

    /// <summary>Reads one whole frame of the expected type with the small control-frame cap; null on end of stream.</summary>
    public async Task<byte[]?> ReadControlFrameAsync(FrameType expected, CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (header is not { } h)
        {
            return null;
        }

        if (h.Type != expected || h.Length > MaxControlFrame)
        {
            throw new InvalidDataException($"expected a {expected} frame of at most {MaxControlFrame} bytes, got {h.Type} of {h.Length} bytes");
        }

        return await ReadBodyAsync(h.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a frame header; null on a clean end of stream.</summary>
    public async Task<(FrameType Type, int Length)?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var header = new byte[Frames.HeaderSize];
        if (!await Frames.TryReadExactlyAsync(_fromWorker, header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0)
        {
            throw new InvalidDataException($"negative frame length {length}");
        }

        return ((FrameType)header[4], length);
    }

    public async Task<byte[]> ReadBodyAsync(int length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        if (length > 0 && !await Frames.TryReadExactlyAsync(_fromWorker, body, cancellationToken).ConfigureAwait(false))
        {
            throw new EndOfStreamException("The pipe ended in the middle of a frame.");
        }

        return body;
    }

    /// <summary>Marks the worker as given a job.</summary>
    /// <exception cref="InvalidOperationException">It already had one.</exception>
    public void MarkUsed()
    {
        if (Interlocked.Exchange(ref _used, 1) != 0)
        {
            throw new InvalidOperationException("A worker runs one job only; this one already had its job.");
        }
    }

    public Task SendAsync(FrameType type, IReadOnlyList<ReadOnlyMemory<byte>> body, CancellationToken cancellationToken) =>
        Frames.WriteAsync(_toWorker, type, body, cancellationToken).AsTask();

    /// <summary>Clears the stderr tail at the start of a call, so a crash report shows only this call's output.</summary>
    public void ClearStderr()
    {
        lock (_stderrLock)
        {
            _stderr.Clear();
        }
    }

    /// <summary>Kills the worker's whole process tree. Returns whether this call did the killing.</summary>
    public bool Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1)
        {
            return false;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone.
        }

        _confinement?.Kill();

        return true;
    }

    /// <summary>Waits for the process to exit (and its stderr to drain); false when the grace ran out.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return HasExited;
        }
    }

    /// <summary>Retires a healthy worker: closes its input so it exits by itself, and kills it if it does not.</summary>
    public async Task RetireAsync(TimeSpan grace)
    {
        try
        {
            _toWorker.Close();
        }
        catch (IOException)
        {
        }

        if (!await WaitForExitAsync(grace).ConfigureAwait(false))
        {
            Kill();
            await WaitForExitAsync(grace).ConfigureAwait(false);
        }

        _process.Dispose();
        _confinement?.Dispose();
    }

    /// <summary>How the process ended and the start of what it wrote to stderr, neutralised.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        if (HasExited)
        {
            var code = _process.ExitCode;
            text.Append(CultureInfo.InvariantCulture, $"exit code {code}");
            if (!OperatingSystem.IsWindows() && code > 128 && code < 128 + 65)
            {
                text.Append(CultureInfo.InvariantCulture, $" (signal {code - 128}{SignalName(code - 128)})");
            }
        }
        else
        {
            text.Append("still running");
        }

        string stderr;
        lock (_stderrLock)
        {
            stderr = _stderr.ToString();
        }

        if (stderr.Length > 0)
        {
            text.Append("; stderr: ").Append(OutputText.Line(stderr, 1024));
        }

        return text.ToString();
    }

    public void Dispose()
    {
        _process.Dispose();
        _confinement?.Dispose();
    }

    private static string SignalName(int signal) => signal switch
    {
        6 => " SIGABRT",
        9 => " SIGKILL",
        11 => " SIGSEGV",
        15 => " SIGTERM",
        _ => string.Empty,
    };

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderrLock)
        {
            if (_stderr.Length < StderrKeepChars)
            {
                _stderr.Append(line.AsSpan(0, Math.Min(line.Length, StderrKeepChars - _stderr.Length))).Append('\n');
            }
        }
    }
}
