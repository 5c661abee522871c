using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>Evaluations of one package run side by side up to the parallelism the command gives.</summary>
public sealed class PooledEvaluatorTests
{
    [Fact]
    public void Two_evaluations_of_one_package_overlap_when_the_runner_runs_two_calls_at_once()
    {
        // Each evaluation waits inside the evaluator for the other: both return only if they run at the same time.
        using var barrier = new Barrier(2);
        var created = 0;
        var pool = new PooledEvaluator(() =>
        {
            Interlocked.Increment(ref created);
            return new BarrierEvaluator(barrier);
        });
        using var domain = new PackageDomain(DomainPackage.LoadFolder(TestPackages.Write()), pool);
        domain.UseParallelism(2);
        var task = TestPackages.Task(domain, "t1");

        var scores = new TaskScore[2];
        var threads = Enumerable.Range(0, 2).Select(i => new Thread(() => scores[i] = domain.Evaluate(task, """{"x": 3}"""))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.All(scores, s => Assert.True(s.Valid, s.Feedback));
        Assert.Equal(2, created);
        Assert.Equal(2, pool.Size);
    }

    [Fact]
    public void One_evaluation_at_a_time_makes_one_member_whatever_the_size()
    {
        var created = 0;
        var pool = new PooledEvaluator(() =>
        {
            Interlocked.Increment(ref created);
            return new BarrierEvaluator(null);
        }, size: 4);
        using var domain = new PackageDomain(DomainPackage.LoadFolder(TestPackages.Write()), pool);
        var task = TestPackages.Task(domain, "t1");
        for (var i = 0; i < 3; i++)
        {
            Assert.True(domain.Evaluate(task, """{"x": 3}""").Valid);
        }

        Assert.Equal(1, created);
    }

    /// <summary>Scores every answer 1, after meeting the other evaluation at the barrier (a minute is only the bound on a
    /// broken pool, where the other never comes).</summary>
    private sealed class BarrierEvaluator(Barrier? barrier) : IPackageEvaluator
    {
        public void Load()
        {
        }

        public PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns) =>
            barrier is null || barrier.SignalAndWait(TimeSpan.FromMinutes(1))
                ? new PackageVerdict(true, 1, "met")
                : new PackageVerdict(false, 0, "the other evaluation never ran at the same time");

        public void Dispose()
        {
        }
    }
}
