using System.Diagnostics;

namespace Hyperagents.Bench.Contained;

/// <summary><c>runsc-contract</c>: every case of the runner contract under gVisor. The test suite runs a subset (one case
/// per outcome kind, <c>RunscRunnerContract.Subset</c>) because each runsc worker takes 0.5–1 s to boot; this runs them
/// all, with <c>dotnet test</c> and <c>HYPERAGENTS_RUNSC_CONTRACT=all</c>, and reports the time.</summary>
public sealed class RunscContractBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "runsc-contract";

    /// <inheritdoc/>
    public string Description => "the whole runner contract under --runtime runsc (dotnet test, HYPERAGENTS_RUNSC_CONTRACT=all); the test suite runs a subset";

    /// <inheritdoc/>
    public async Task<int> RunAsync(string[] args)
    {
        var project = Path.Combine(Sandbox.SandboxBenchmark.FindRoot(), "tests", "Hyperagents.Hosting.Tests");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var argument in (string[])["test", project, "--filter", "FullyQualifiedName~RunscRunnerContract", "-v", "q"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HYPERAGENTS_RUNSC_CONTRACT"] = "all";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        Console.WriteLine($"runner contract under runsc, all cases: exit {process.ExitCode} in {clock.Elapsed.TotalSeconds:0.0} s (build included)");
        return process.ExitCode;
    }
}
