using System.Globalization;
using Xunit;

namespace Hyperagents.Compiler.Tests;

/// <summary>Compiles in worker processes bounded in memory (threat row R14): a source that makes Roslyn allocate without
/// bound is rejected with <see cref="DiagnosticIds.CompileMemoryLimit"/> and costs the host nothing.</summary>
public sealed class CompileWorkerTests
{
    public static TheoryData<string> Bombs() => [.. Directory.GetFiles(Some.CompileBombsDir, "*.cs").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Bombs))]
    public void A_source_that_makes_the_compiler_allocate_without_bound_is_rejected_by_the_memory_limit_and_the_host_stays_small(string name)
    {
        using var compiler = Some.WorkerCompiler();
        var source = Some.Single(File.ReadAllText(Path.Combine(Some.CompileBombsDir, name)));

        var rssBefore = HostMemory.ResetPeak();
        var result = compiler.Compile(source);
        var peakGrowth = HostMemory.PeakKiB() - rssBefore;

        Assert.False(result.Success);
        Assert.Null(result.Agent);
        var diagnostic = Assert.Single(result.Report.Diagnostics);
        Assert.Equal(DiagnosticIds.CompileMemoryLimit, diagnostic.Id);
        Assert.Contains("memory limit (1024 MiB)", diagnostic.Message, StringComparison.Ordinal);
        // Without the worker the host itself folds the 2 GiB constant (its peak grows by more than 2 GiB, or it dies).
        Assert.True(peakGrowth < 512 * 1024, $"the host's peak resident set grew by {peakGrowth:N0} KiB during the compile");
    }

    [Fact]
    public void After_a_memory_bomb_the_next_compile_runs_in_a_fresh_worker_and_succeeds()
    {
        using var compiler = Some.WorkerCompiler();
        Assert.True(compiler.Compile(AgentSource.FromDirectory(Some.BenignDir)).Success);
        Assert.Equal(1, compiler.WorkersStarted);

        var bomb = compiler.Compile(Some.Single(File.ReadAllText(Path.Combine(Some.CompileBombsDir, "R14_ConstStringDoubling.cs"))));
        Assert.Equal(DiagnosticIds.CompileMemoryLimit, Assert.Single(bomb.Report.Diagnostics).Id);

        var next = compiler.Compile(AgentSource.FromDirectory(Some.BenignDir));
        Assert.True(next.Success, string.Join(Environment.NewLine, next.Report.Diagnostics));
        Assert.Equal(2, compiler.WorkersStarted);
    }

    [Fact]
    public void A_worker_compile_gives_the_same_image_entry_points_and_diagnostics_as_an_in_process_compile()
    {
        using var compiler = Some.WorkerCompiler();
        var benign = AgentSource.FromDirectory(Some.BenignDir);
        var inWorker = compiler.Compile(benign);
        var inProcess = Some.Compiler.Compile(benign);
        Assert.True(inWorker.Success, string.Join(Environment.NewLine, inWorker.Report.Diagnostics));
        Assert.Equal(inProcess.Agent!.Image, inWorker.Agent!.Image);
        Assert.Equal(inProcess.Agent.Id, inWorker.Agent.Id);
        Assert.Equal(inProcess.Agent.AssemblyName, inWorker.Agent.AssemblyName);
        Assert.Equal(inProcess.EntryPoints, inWorker.EntryPoints);

        var malicious = Some.Single(File.ReadAllText(Path.Combine(Some.MaliciousDir, "E06_FileRead.cs")));
        var rejected = compiler.Compile(malicious);
        Assert.False(rejected.Success);
        Assert.Equal(Some.Compiler.Compile(malicious).Report.Diagnostics, rejected.Report.Diagnostics);
        Assert.Equal(1, compiler.WorkersStarted);
    }

    [Fact]
    public void Cancelling_a_compile_ends_its_worker_instead_of_leaving_the_compiler_running()
    {
        using var compiler = Some.WorkerCompiler();
        // Overload resolution over nested lambdas is exponential: this compile would run for many minutes.
        var slow = Some.WithEntryPoints("static class Slow\n{\n    static int M(Func<int, int> f) => 1;\n    static int M(Func<string, int> f) => 2;\n    static int V = "
            + "M(x0 => " + string.Concat(Enumerable.Range(1, 14).Select(i => $"M(x{i} => ")) + "1" + new string(')', 15) + ";\n}\n");
        Assert.True(compiler.Compile(AgentSource.FromDirectory(Some.BenignDir)).Success);
        Assert.Equal(1, compiler.WorkersStarted);
        using var cancel = new CancellationTokenSource();
        cancel.CancelAfter(TimeSpan.FromSeconds(1));

        Assert.Throws<OperationCanceledException>(() => compiler.Compile(slow, cancel.Token));

        // The cancelled worker is not reused: the next compile starts another and succeeds.
        Assert.True(compiler.Compile(AgentSource.FromDirectory(Some.BenignDir)).Success);
        Assert.Equal(2, compiler.WorkersStarted);
    }

    [Theory]
    [InlineData("echo 'Out of memory.' >&2; exit 134", DiagnosticIds.CompileMemoryLimit, "memory limit (1024 MiB)")]
    [InlineData("echo boom >&2; exit 7", DiagnosticIds.CompilerFault, "exit code 7; stderr: boom")]
    [InlineData("printf '\\005\\000\\000\\000\\002hello'; sleep 60", DiagnosticIds.CompilerFault, "sent a Job frame of 5 bytes")]
    public void A_worker_that_dies_or_breaks_the_protocol_mid_compile_is_a_diagnostic_not_an_exception(string afterRequest, string id, string message)
    {
        // A stand-in worker: says hello like the real one, reads the request's header, then misbehaves.
        // The hello's protocol follows the host's (one digit, so the frame stays 28 bytes long).
        var script = $"printf '\\034\\000\\000\\000\\001{{\"protocol\":{Hyperagents.Hosting.Native.Frames.ProtocolVersion},\"processId\":1}}'; head -c 5 > /dev/null; " + afterRequest;
        using var compiler = new AgentCompiler(new AgentCompilerOptions
        {
            Worker = new CompileWorkerOptions { Launch = new Hyperagents.Hosting.NativeRunnerOptions { WorkerFileName = "/bin/sh", WorkerArguments = ["-c", script] } },
        });

        var result = compiler.Compile(AgentSource.FromDirectory(Some.BenignDir));

        Assert.False(result.Success);
        var diagnostic = Assert.Single(result.Report.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Contains(message, diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Worker_options_are_validated_with_every_problem_at_once()
    {
        var options = new CompileWorkerOptions
        {
            Launch = Hyperagents.Hosting.NativeRunnerOptions.ForCliAssembly("hyperagents.dll") with { PoolSize = 0 },
            MemoryBytes = 1024,
            MaxWorkers = 0,
        };
        var error = Assert.Throws<ArgumentException>(() => new AgentCompiler(new AgentCompilerOptions { Worker = options }));
        Assert.Contains("PoolSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("MemoryBytes must be between 128 MiB and 16 GiB", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxWorkers must be between 1 and 16", error.Message, StringComparison.Ordinal);
    }

    /// <summary>This process's resident set, from <c>/proc/self</c> (Linux).</summary>
    private static class HostMemory
    {
        /// <summary>Resets the peak resident set (VmHWM) to the current one and returns the current one in KiB.</summary>
        public static long ResetPeak()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            File.WriteAllText("/proc/self/clear_refs", "5");
            return Read("VmRSS:");
        }

        public static long PeakKiB() => Read("VmHWM:");

        private static long Read(string field)
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
            return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
    }
}
