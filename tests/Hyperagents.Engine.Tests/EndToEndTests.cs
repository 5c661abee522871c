using Hyperagents.Testing;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Engine.Tests.Support;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;

namespace Hyperagents.Engine.Tests;

/// <summary>A real 3-generation run of the shipped seed on each domain, through the Wasmtime sandbox. Its own collection:
/// it runs beside the native-process tests, one domain at a time.</summary>
[Collection("sandbox-runs")]
public sealed class EndToEndTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    [Theory]
    [InlineData("circle-packing")]
    [InlineData("heilbronn-triangle")]
    [InlineData("kissing-number")]
    [InlineData("first-autocorrelation")]
    [InlineData("dataset")]
    public async Task A_sandbox_run_archives_the_seed_and_every_attempt(string domain)
    {
        // Three attempts on circle-packing, one on each other domain: every domain's seed, ModifySelf, gate and staged
        // evaluation run for real in the sandbox, and the suite stays within its budget on a busy 2-core machine.
        var generations = domain == "circle-packing" ? 3 : 1;
        var seeds = Path.Combine(AppContext.BaseDirectory, "seeds");
        var settings = TestRuns.Settings(generations) with
        {
            Domain = domain,
            Isolation = "sandbox",
            // One screening evaluation per ModifySelf keeps five domains within the test budget on 2 cores.
            MaxTryEvaluations = 1,
            DatasetPath = domain == "dataset" ? Path.Combine(seeds, "datasets", "arithmetic.jsonl") : null,
        };
        using var archive = TestRuns.NewArchive(domain);
        var events = new List<RunEvent>();
        var summary = await TestRuns.Loop(archive, settings, sandbox.Runner, e => { lock (events) { events.Add(e); } })
            .RunAsync(AgentSource.FromDirectory(Path.Combine(seeds, "default")).Files, CancellationToken.None);

        Assert.True(summary.Complete, summary.Reason);
        var variants = archive.ListVariants();
        Assert.Equal(generations + 1, variants.Count);
        var seed = Assert.Single(variants, v => v.Parent is null);
        Assert.Equal(VariantState.Accepted, seed.Status.State);
        Assert.Contains(SplitNames.Train, seed.Scores.Keys);
        Assert.Contains(SplitNames.Val, seed.Scores.Keys);
        Assert.True(seed.Scores[SplitNames.Val] > 0, $"the seed scores 0 on {domain}'s val split");
        Assert.Equal(Enumerable.Range(1, generations), TestRuns.AttemptOf(archive).Values.Order());
        foreach (var child in variants.Where(v => v.Parent is not null))
        {
            Assert.Contains(child.Status.State, new[] { VariantState.Accepted, VariantState.Rejected, VariantState.Failed });
            if (child.Status.State == VariantState.Accepted)
            {
                var evaluation = Assert.Single(archive.GetEvaluations(child.Id));
                Assert.True(evaluation.Splits.ContainsKey(SplitNames.Val) || evaluation.Splits.ContainsKey(SplitNames.Staged));
            }
        }

        Assert.Equal(generations, events.OfType<AttemptArchived>().Count());
        var log = GitProcess.Run(archive.Path, "log", "--all", "--format=%H");
        Assert.All(variants, v => Assert.Contains(v.Id, log));
        Assert.Empty(archive.Verify().Problems);
    }
}

/// <summary>One sandbox engine for every end-to-end run.</summary>
public sealed class SandboxFixture : IAsyncDisposable
{
    public IAgentRunner Runner { get; } = SandboxRunner.Create();

    public ValueTask DisposeAsync() => Runner.DisposeAsync();
}
