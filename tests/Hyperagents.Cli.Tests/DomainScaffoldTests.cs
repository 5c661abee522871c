using Hyperagents.Cli.Commands;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;

namespace Hyperagents.Cli.Tests;

/// <summary><c>hyperagents new domain</c> writes packages that load and score as written; <c>new agent</c> targets them.</summary>
public sealed class DomainScaffoldTests
{
    private static readonly NativeRunnerOptions Launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));

    [Theory]
    [InlineData("json", "v1", "{\"x\": 7}", "{\"x\": 6}")]
    [InlineData("text", "v1", "18", "17")]
    [InlineData("csharp", "v1", "any source: the fake runner returns [30, 21]", "any source: the fake runner returns [30, 0]")]
    public void Each_scaffolded_package_loads_under_the_evaluator_policy_and_scores_a_right_answer_1_and_a_wrong_one_less(string kind, string task, string right, string wrong)
    {
        var files = DomainScaffold.Files("scaffolded", kind).ToDictionary(f => f.Path, f => System.Text.Encoding.UTF8.GetBytes(f.Text), StringComparer.Ordinal);
        var package = DomainPackage.FromFiles(files, "(scaffold)");
        using var domain = EvaluatorWorker.Open(package, Launch, new FakeRunner());
        var spec = domain.FindTask(task)!.Value.Task;
        var good = domain.Evaluate(spec, right);
        Assert.True(good.Valid, good.Feedback);
        Assert.Equal(1.0, good.Score);
        Assert.True(domain.Evaluate(spec, wrong).Score < 1);
        Assert.Equal(3, Enum.GetValues<Split>().Count(s => domain.GetTasks(s).Count > 0));
    }

    [Fact]
    public void The_offline_engine_note_appears_when_no_file_the_domain_runs_has_a_marked_site()
    {
        var seed = Hyperagents.Compiler.AgentSource.FromDirectory(CliProcess.SeedAgent).Files;
        Assert.False(OfflineTargets.NothingToMutate(seed, "circle-packing"));
        Assert.True(OfflineTargets.NothingToMutate(seed, "dataset"));
        Assert.True(OfflineTargets.NothingToMutate(seed, "my-package"));
        var withStub = new Dictionary<string, string>(seed) { ["task/Solver.cs"] = DomainScaffold.SolverStub("my-package", AnswerKind.Json) };
        Assert.False(OfflineTargets.NothingToMutate(withStub, "my-package"));
    }

    [Fact]
    public void Which_task_file_serves_a_domain_is_said_once_by_its_domain_line_whatever_the_file_is_called()
    {
        var seed = Hyperagents.Compiler.AgentSource.FromDirectory(CliProcess.SeedAgent).Files;
        foreach (var domain in DomainCatalog.Names.Concat(DomainCatalog.PackageNames))
        {
            Assert.Single(seed, f => OfflineTargets.DomainOf(f.Value) == domain);
        }

        // Renamed, the circle-packing solver still is the file the offline engine mutates for its domain; stripped of its
        // domain line, it is a file of no domain and the domain has nothing of its own left.
        var renamed = seed.Where(f => f.Key != "task/CirclePacking.cs").ToDictionary(f => f.Key, f => f.Value);
        renamed["task/Packing.cs"] = seed["task/CirclePacking.cs"];
        Assert.False(OfflineTargets.NothingToMutate(renamed, "circle-packing"));
        Assert.Contains("@domain circle-packing", File.ReadAllText(Path.Combine(CliProcess.SeedAgent, "task", "CirclePacking.cs")), StringComparison.Ordinal);
        Assert.DoesNotContain("task/CirclePacking.cs", File.ReadAllText(Path.Combine(CliProcess.SeedAgent, "meta", "OfflineMeta.cs")), StringComparison.Ordinal);
    }

    /// <summary>Stands in for the C#-answer runner: "returns [a, b]" in the source gives those results per call.</summary>
    private sealed class FakeRunner : ICodeAnswerRunner
    {
        public Task<CodeRunReport> RunAsync(string source, CodeEntry entry, IReadOnlyList<string> argumentsJson, CancellationToken cancellationToken)
        {
            Assert.Equal("Sum", entry.MethodName);
            var values = source[(source.IndexOf('[', StringComparison.Ordinal) + 1)..source.IndexOf(']', StringComparison.Ordinal)].Split(',').Select(v => v.Trim()).ToList();
            Assert.Equal(values.Count, argumentsJson.Count);
            return Task.FromResult(new CodeRunReport(true, null, values.Select(v => new CodeRun(true, v, null)).ToList()));
        }
    }
}
