using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Sandbox.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Hyperagents.Sandbox.Tests;

[Collection(SandboxCollection.Name)]
public sealed class EngineTests(SandboxFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Every_pinned_import_has_a_host_implementation_and_the_module_matches_the_manifest()
    {
        var manifest = fixture.Engine.Manifest;
        Assert.Equal("10.0.12", manifest.Version);
        var imports = manifest.Imports.Select(i => i.Split(": ")[0]).ToHashSet();
        Assert.Equal(imports.Order(), GuestImports.Implemented.Where(imports.Contains).Order());
        Assert.Empty(imports.Except(GuestImports.Implemented));
        Assert.Contains("wasi_snapshot_preview1.fd_write", imports);
    }

    [Fact]
    public void A_module_that_differs_from_the_manifest_is_refused_naming_each_difference()
    {
        var pinned = fixture.Engine.Manifest;
        var imports = pinned.Imports.ToList();
        imports.Remove("env.__syscall_openat: func(i32,i32,i32,i32)->(i32)");
        imports[imports.FindIndex(i => i.StartsWith("env.abort:", StringComparison.Ordinal))] = "env.abort: func(i32)->()";
        imports.Add("env.host_backdoor: func()->()");
        var tampered = pinned with { Imports = imports, Sha256 = new string('0', 64) };
        var directory = Directory.CreateTempSubdirectory("hyperagents-manifest-");
        try
        {
            var path = Path.Combine(directory.FullName, "runtime-pack.json");
            File.WriteAllText(path, JsonSerializer.Serialize(tampered, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            var ex = Assert.Throws<SandboxUnavailableException>(() => SandboxEngine.Create(new SandboxOptions
            {
                ManifestPath = path,
                CacheDirectory = SandboxFixture.CacheDirectory,
                PoolSize = 0,
            }));
            output.WriteLine(ex.Message);
            Assert.Equal(4, ex.Problems.Count);
            Assert.Contains(ex.Problems, p => p.Contains("SHA-256", StringComparison.Ordinal));
            Assert.Contains(ex.Problems, p => p == "import env.__syscall_openat: func(i32,i32,i32,i32)->(i32) is in the module but not in the manifest");
            Assert.Contains(ex.Problems, p => p == "import env.abort changed: pinned 'env.abort: func(i32)->()', module has 'env.abort: func()->()'");
            Assert.Contains(ex.Problems, p => p == "import env.host_backdoor: func()->() is pinned but missing from the module");
            Assert.Contains("Fix:", ex.Message);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_corrupted_cache_entry_is_rebuilt_never_loaded()
    {
        var directory = Directory.CreateTempSubdirectory("hyperagents-cwasm-");
        try
        {
            var options = new SandboxOptions { CacheDirectory = directory.FullName, PoolSize = 0, BootFromImage = false };
            using (var first = SandboxEngine.Create(options))
            {
                Assert.Equal(CacheResult.Miss, first.Cache);
                Assert.True(File.Exists(first.CachePath));
            }

            using (var second = SandboxEngine.Create(options))
            {
                Assert.Equal(CacheResult.Hit, second.Cache);
            }

            var entry = Directory.GetFiles(directory.FullName, "*.cwasm").Single();
            var bytes = File.ReadAllBytes(entry);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(entry, bytes);

            using var third = SandboxEngine.Create(options);
            Assert.Equal(CacheResult.Rebuilt, third.Cache);
            Assert.NotEqual(bytes, File.ReadAllBytes(entry));
            await using var runner = new SandboxRunner(third);
            var outcome = await runner.SolveTaskAsync(fixture.Agent("Hello"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
            Assert.Equal("answer:42", outcome.Answer);

            File.WriteAllText(entry + ".sha256", new string('f', 64));
            using var fourth = SandboxEngine.Create(options);
            Assert.Equal(CacheResult.Rebuilt, fourth.Cache);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_pooled_runner_hands_out_prewarmed_fresh_VMs()
    {
        using var engine = SandboxEngine.Create(new SandboxOptions { CacheDirectory = SandboxFixture.CacheDirectory, PoolSize = 1 });
        await using var runner = new SandboxRunner(engine);
        var first = await runner.SolveTaskAsync(fixture.Agent("Hello"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        var second = await runner.SolveTaskAsync(fixture.Agent("Hello"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal("answer:42", first.Answer);
        Assert.Equal("answer:42", second.Answer);
        Assert.Equal(first.FuelConsumed, second.FuelConsumed);
        Assert.Equal("stdout line\n", first.Output);
    }

    [Fact]
    public async Task Invalid_limits_are_misuse_and_throw()
    {
        var limits = Some.Limits() with { Fuel = 5 };
        await Assert.ThrowsAsync<InvalidOptionsException>(() => fixture.Runner.SolveTaskAsync(fixture.Agent("Hello"), Some.Task(), new RecordingHandler(), limits, CancellationToken.None));
    }

    [Fact]
    public void Self_test_boots_a_fresh_VM_and_runs_the_probe_agent()
    {
        var (boot, run) = fixture.Engine.SelfTest();
        output.WriteLine($"boot {boot.TotalMilliseconds:0.0} ms, run {run}");
        Assert.Equal(OutcomeKind.Completed, run.Kind);
        Assert.StartsWith("n=1;", run.Answer);
        Assert.Equal(1, run.HostCalls);
        Assert.True(fixture.Engine.BootImageBytes > 0);
        Assert.Equal("snapshot-module", fixture.Engine.VmSource);
    }

    [Fact]
    public void Booting_is_deterministic_so_every_engine_builds_the_same_snapshot()
    {
        using var other = SandboxEngine.Create(new SandboxOptions { CacheDirectory = SandboxFixture.CacheDirectory, PoolSize = 0 });
        var mine = fixture.Engine.Image!;
        var theirs = other.Image!;
        Assert.Equal(mine.MemoryLength, theirs.MemoryLength);
        Assert.Equal(mine.FuelConsumed, theirs.FuelConsumed);
        Assert.Equal(mine.Pages, theirs.Pages);
        Assert.True(mine.Data.AsSpan().SequenceEqual(theirs.Data), "two boots produced different memory");
        Assert.Equal(CacheResult.Hit, other.SnapshotCache);
    }

    [Fact]
    public async Task VMs_booted_from_scratch_behave_like_snapshot_clones()
    {
        using var engine = SandboxEngine.Create(new SandboxOptions { CacheDirectory = SandboxFixture.CacheDirectory, PoolSize = 0, BootFromImage = false });
        Assert.Equal("boot", engine.VmSource);
        await using var runner = new SandboxRunner(engine);
        var fromScratch = await runner.SolveTaskAsync(fixture.Agent("ClockAndEntropy"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        var fromSnapshot = await fixture.SolveAsync("ClockAndEntropy");
        Assert.Equal(OutcomeKind.Completed, fromScratch.Kind);
        Assert.Equal(OutcomeKind.Completed, fromSnapshot.Kind);
        Assert.Contains("waited=True", fromScratch.Answer);
    }

    [Fact]
    public async Task Guest_controlled_details_are_neutralised()
    {
        var agent = TestCompiler.Compile(source: """
            using System.Threading.Tasks;
            using Hyperagents;
            public static class Agent
            {
                public static Task<string> SolveTask(TaskContext context) => throw new System.Exception("\u001b]0;pwned\u0007\u001b[2J");
            }
            """, name: "AnsiThrower");
        var outcome = await fixture.Runner.SolveTaskAsync(agent, Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.GuestException, outcome.Kind);
        Assert.Equal("\\x1B]0;pwned\\x07\\x1B[2J", outcome.Detail);
    }

    [Fact]
    public void Output_neutralisation_escapes_every_control_and_format_character_but_newline_and_tab()
    {
        Assert.Equal("\\x1B[31mred\\x0D\n\tok\\x07\\x9B \\u202Eevil\\u200B\\u2066",
            GuestOutput.Neutralise("\u001b[31mred\r\n\tok\u0007\u009b \u202Eevil\u200B\u2066"));
    }
}
