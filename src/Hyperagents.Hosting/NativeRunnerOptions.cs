using System.Text.RegularExpressions;

namespace Hyperagents.Hosting;

/// <summary>How <see cref="NativeRunner"/> starts and manages its worker processes. Validated once by <see cref="Validate"/>.</summary>
public sealed partial record NativeRunnerOptions
{
    /// <summary>The program that runs a worker: <c>dotnet</c> (with the CLI assembly as first argument) or the
    /// <c>hyperagents</c> apphost.</summary>
    public required string WorkerFileName { get; init; }

    /// <summary>The leading arguments, ending with the hidden <c>worker</c> command, e.g.
    /// <c>["/opt/hyperagents/hyperagents.dll", "worker"]</c>.</summary>
    /// <value>Default empty.</value>
    public IReadOnlyList<string> WorkerArguments { get; init; } = [];

    /// <summary>How many calls may run at the same time, each in its own worker process.</summary>
    /// <value>Default 2; between 1 and 64.</value>
    public int PoolSize { get; init; } = 2;

    /// <summary>How many fresh workers the runner keeps started ahead of calls, so that a call does not wait for a process
    /// start. A worker runs one call only; while a call runs on a spare, its replacement starts in the background.</summary>
    /// <value>Default 1; between 0 (every call starts its own worker) and 64.</value>
    public int SpareWorkers { get; init; } = 1;

    /// <summary>How long a killed or retired worker may take to exit before the runner stops waiting.</summary>
    /// <value>Default 5 s; between 100 ms and 1 min.</value>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a new worker may take to report ready.</summary>
    /// <value>Default 30 s; between 1 s and 5 min.</value>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Environment variables copied from the host into a worker's otherwise empty environment. Names that
    /// look like credentials are refused by <see cref="Validate"/>.</summary>
    /// <value>Default <c>PATH</c>, <c>DOTNET_ROOT</c>, <c>TMPDIR</c>, <c>TMP</c>, <c>TEMP</c>, <c>SYSTEMROOT</c>.</value>
    public IReadOnlyList<string> InheritedEnvironment { get; init; } = ["PATH", "DOTNET_ROOT", "TMPDIR", "TMP", "TEMP", "SYSTEMROOT"];

    /// <summary>How a worker's process is started: <see langword="null"/> starts the worker program directly; a launcher
    /// (e.g. a container tool around it) rewrites the start, and the worker protocol, limits and pool stay the same.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public IWorkerLauncher? Launcher { get; init; }

    /// <summary>The workers' working directory.</summary>
    /// <value>Default the system temporary folder.</value>
    public string? WorkingDirectory { get; init; }

    /// <summary>Options that run the worker as <c>dotnet &lt;assembly&gt; worker</c>.</summary>
    /// <param name="cliAssemblyPath">The path of <c>hyperagents.dll</c>.</param>
    /// <param name="dotnetHost">The <c>dotnet</c> executable; found from <c>DOTNET_HOST_PATH</c>, this process, or
    /// <c>PATH</c> when <see langword="null"/>.</param>
    public static NativeRunnerOptions ForCliAssembly(string cliAssemblyPath, string? dotnetHost = null) => new()
    {
        WorkerFileName = dotnetHost ?? FindDotnetHost(),
        WorkerArguments = [Path.GetFullPath(cliAssemblyPath), "worker"],
    };

    /// <summary>Options that start workers from the program running now, which must be the <c>hyperagents</c> CLI:
    /// its apphost with <c>worker</c>, or, when it runs under <c>dotnet</c>, <c>dotnet &lt;entry assembly&gt; worker</c>.</summary>
    /// <exception cref="InvalidOperationException">The path of the running program is unknown.</exception>
    public static NativeRunnerOptions ForCurrentProcess()
    {
        var self = Environment.ProcessPath
                   ?? throw new InvalidOperationException("The path of the running program is unknown; use ForCliAssembly with the path of hyperagents.dll.");
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(entry)
            ? ForCliAssembly(entry, self)
            : new NativeRunnerOptions { WorkerFileName = self, WorkerArguments = ["worker"] };
    }

    /// <summary>Checks every option and reports all problems at once.</summary>
    /// <exception cref="ArgumentException">One or more options are invalid; the message lists each with its fix.</exception>
    public NativeRunnerOptions Validate()
    {
        var errors = new List<string>();
        Check(!string.IsNullOrWhiteSpace(WorkerFileName), $"{nameof(WorkerFileName)} must name the worker program (dotnet or the hyperagents apphost).");
        Check(WorkerArguments is not null && WorkerArguments.All(a => a is not null), $"{nameof(WorkerArguments)} must not contain null.");
        Check(PoolSize is >= 1 and <= 64, $"{nameof(PoolSize)} must be between 1 and 64 (was {PoolSize}).");
        Check(SpareWorkers is >= 0 and <= 64, $"{nameof(SpareWorkers)} must be between 0 and 64 (was {SpareWorkers}).");
        Check(KillGrace >= TimeSpan.FromMilliseconds(100) && KillGrace <= TimeSpan.FromMinutes(1), $"{nameof(KillGrace)} must be between 100 ms and 1 min (was {KillGrace}).");
        Check(StartTimeout >= TimeSpan.FromSeconds(1) && StartTimeout <= TimeSpan.FromMinutes(5), $"{nameof(StartTimeout)} must be between 1 s and 5 min (was {StartTimeout}).");
        foreach (var name in InheritedEnvironment ?? [])
        {
            Check(!string.IsNullOrWhiteSpace(name) && !SecretLike().IsMatch(name), $"{nameof(InheritedEnvironment)} must not pass '{name}' to workers: names that look like credentials (KEY, TOKEN, SECRET, PASSWORD) never reach agent code.");
        }

        return errors.Count == 0 ? this : throw new ArgumentException("Invalid native runner options:" + Environment.NewLine + string.Join(Environment.NewLine, errors));

        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add("  - " + message);
            }
        }
    }

    private static string FindDotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
    }

    [GeneratedRegex("KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretLike();
}

/// <summary>Wraps the start of a native worker process, for a runner that runs the same worker in more confinement.</summary>
public interface IWorkerLauncher
{
    /// <summary>The process start to use instead of <paramref name="worker"/>, which starts the worker directly with its
    /// arguments and its (already emptied and filled) environment. Standard input, output and error must stay those of
    /// the worker: they carry the protocol and the crash report.</summary>
    /// <param name="worker">The direct start of the worker.</param>
    /// <param name="memoryBytes">The worker's GC heap limit, for a launcher that bounds the memory of the whole tree.</param>
    /// <returns>The start, and what the launch holds for this one worker (e.g. a cgroup), if anything.</returns>
    WorkerStart Wrap(System.Diagnostics.ProcessStartInfo worker, long memoryBytes);
}

/// <summary>How one worker is started by an <see cref="IWorkerLauncher"/>.</summary>
/// <param name="Start">The process start to use.</param>
/// <param name="Confinement">What the launch holds for this worker beyond its process, or <see langword="null"/>: killed
/// with the worker's tree and disposed once the worker is gone (or never started).</param>
public sealed record WorkerStart(System.Diagnostics.ProcessStartInfo Start, IWorkerConfinement? Confinement = null);

/// <summary>What a launcher holds for one worker beyond its process (a cgroup, a container).</summary>
public interface IWorkerConfinement : IDisposable
{
    /// <summary>Kills every process of the worker's tree that the confinement holds, also those that left the process
    /// tree (a double fork). Called when the runner kills the worker; must not throw.</summary>
    void Kill();
}

/// <summary>Counters of a <see cref="NativeRunner"/>'s workers, for tests, logs and benchmarks.</summary>
/// <param name="Calls">Entry-point calls that reached a worker (each in a worker of its own).</param>
/// <param name="CallsOnSpares">Calls that found a spare worker ready and did not wait for a process start.</param>
/// <param name="WorkersStarted">Worker processes started.</param>
/// <param name="WorkersKilled">Workers killed (deadline, cancellation, crash clean-up, protocol violation, limits).</param>
public sealed record NativeRunnerStatistics(long Calls, long CallsOnSpares, long WorkersStarted, long WorkersKilled);
