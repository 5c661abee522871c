using System.Diagnostics;
using System.Globalization;

namespace Hyperagents.Cli.Tests;

/// <summary>Workers run in a session of their own, out of reach of a terminal's Ctrl+C and of a kill of the host's
/// process group; so they must die with a host killed at once, even while agent code keeps them busy.</summary>
public sealed class WorkerLifetimeTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task An_evaluator_worker_stuck_in_a_users_endless_loop_dies_with_a_host_killed_at_once()
    {
        // A domain package whose evaluator never returns, with the longest deadline a manifest may set: only the host
        // would end it, and the host is killed first. (A native agent worker also ends when its pipe closes; an
        // evaluator or compile worker busy in a call does not read its pipe.)
        var package = Path.Combine(_cli.Root, "spin");
        Directory.CreateDirectory(Path.Combine(package, "evaluator"));
        File.WriteAllText(Path.Combine(package, "domain.json"), """
            {
              "name": "spin",
              "answer": "text",
              "score": { "normalise": "raw" },
              "limits": { "evaluationMilliseconds": 600000 },
              "tasks": [ { "id": "t", "split": "train" } ]
            }
            """);
        File.WriteAllText(Path.Combine(package, "evaluator", "Spin.cs"), """
            public sealed class Spin : IEvaluator
            {
                public EvaluationResult Evaluate(EvalInput input)
                {
                    while (true) { }
                }
            }
            """);
        var answer = Path.Combine(_cli.Root, "answer.txt");
        File.WriteAllText(answer, "anything");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _cli.Root };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"), "score", "--domain", package, "--task", "t", answer })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["XDG_CACHE_HOME"] = _cli.Root;
        using var host = Process.Start(start)!;
        host.OutputDataReceived += (_, _) => { };
        host.ErrorDataReceived += (_, _) => { };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        int? worker = null;
        try
        {
            // The evaluator worker in the loop: the host's child on 'worker evaluate' that has burnt seconds of CPU.
            var waited = Stopwatch.StartNew();
            while ((worker = Workers(host.Id, "evaluate").FirstOrDefault(pid => CpuTicks(pid) >= 300)) is null or 0)
            {
                Assert.False(host.HasExited, "score ended before its evaluator worker was busy");
                Assert.True(waited.Elapsed < Guard, "no evaluator worker of score got busy");
                await Task.Delay(100);
            }

            host.Kill(entireProcessTree: false);
            await host.WaitForExitAsync();

            var gone = Stopwatch.StartNew();
            while (IsAlive(worker.Value))
            {
                Assert.True(gone.Elapsed < Guard, $"evaluator worker {worker} still runs after its host was killed");
                await Task.Delay(100);
            }
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }

            if (worker is { } pid && IsAlive(pid))
            {
                Process.GetProcessById(pid).Kill();
            }
        }
    }

    private static IEnumerable<int> Workers(int parent, string kind) =>
        Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && Stat(pid) is { } stat && stat[1] == parent.ToString(CultureInfo.InvariantCulture)
                          && CommandLine(pid) is [.., "worker", var last] && last == kind);

    private static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> after the command name (state, ppid, …); null when gone.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>User plus system CPU time in clock ticks (100 a second on Linux).</summary>
    private static long CpuTicks(int pid) =>
        Stat(pid) is { } stat ? long.Parse(stat[11], CultureInfo.InvariantCulture) + long.Parse(stat[12], CultureInfo.InvariantCulture) : 0;

    private static bool IsAlive(int pid) => Stat(pid) is { } stat && stat[0] is not ("Z" or "X");
}
