using System.Text;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>A package's tasks in a JSONL file, each with its own C# entry: what a package with many coding tasks uses.</summary>
public sealed class TaskFileTests
{
    private const string Manifest = """
        { "name": "many", "answer": "csharp", "score": { "normalise": "raw" }, "tasks": "data/tasks.jsonl" }
        """;

    private const string Tasks = """
        {"id": "a", "split": "train", "input": "see a", "entry": {"type": "Solution", "method": "Twice", "parameters": ["int"], "returns": "int"}, "calls": [[1], [2]], "data": "data/secret.txt"}

        {"id": "b", "split": "val", "entry": {"type": "Solution", "method": "Upper", "parameters": ["string"], "returns": "string"}, "calls": [["x"]]}
        """;

    private static Dictionary<string, byte[]> Files(string tasks, string manifest = Manifest) => new()
    {
        ["domain.json"] = Encoding.UTF8.GetBytes(manifest),
        ["data/tasks.jsonl"] = Encoding.UTF8.GetBytes(tasks),
        ["data/secret.txt"] = Encoding.UTF8.GetBytes("expected"),
        ["evaluator/E.cs"] = Encoding.UTF8.GetBytes("// evaluator"),
    };

    [Fact]
    public void Tasks_come_from_a_jsonl_file_and_each_answer_runs_against_its_own_tasks_entry_with_a_fence_removed()
    {
        var package = DomainPackage.FromFiles(Files(Tasks), "test");
        Assert.Null(package.Entry);
        Assert.Equal(["a", "b"], package.Tasks.Select(t => t.Id));
        Assert.Equal("Twice", package.FindTask("a")!.Entry!.MethodName);
        Assert.Equal(["[1]", "[2]"], package.FindTask("a")!.Calls);

        var runner = new RecordingRunner();
        using var domain = new PackageDomain(package, new ZeroEvaluator(), runner);
        var task = domain.GetTasks(Split.Val).Single();
        Assert.Equal(0, domain.Evaluate(task, "```csharp\npublic static class Solution {}\n```").Score);
        Assert.Equal("Upper", runner.Entry!.MethodName);
        Assert.Equal("public static class Solution {}", runner.Source);

        // What agents see is the task's input, never its data file or calls.
        var seen = domain.GetTasks(Split.Train).Single();
        Assert.Equal("see a", seen.Input);
        Assert.DoesNotContain(seen.Parameters.Values, v => v.Contains("expected", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_task_file_line_or_a_task_without_an_entry_is_refused_with_what_to_fix()
    {
        var notJson = Assert.Throws<DomainPackageException>(() => DomainPackage.FromFiles(Files("{\"id\": \"a\"\nnot json"), "test"));
        Assert.Contains("line 1 of tasks file 'data/tasks.jsonl'", notJson.Message, StringComparison.Ordinal);

        var noEntry = Assert.Throws<DomainPackageException>(() => DomainPackage.FromFiles(Files("""{"id": "a", "split": "train", "calls": [[1]]}"""), "test"));
        Assert.Contains("needs an \"entry\" in the manifest or in task 'a'", noEntry.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<DomainPackageException>(() => DomainPackage.FromFiles(Files(Tasks, Manifest.Replace("data/tasks.jsonl", "data/none.jsonl", StringComparison.Ordinal)), "test"));
        Assert.Contains("tasks 'data/none.jsonl' is not a file of the package", missing.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingRunner : ICodeAnswerRunner
    {
        public string? Source { get; private set; }

        public CodeEntry? Entry { get; private set; }

        public Task<CodeRunReport> RunAsync(string source, CodeEntry entry, IReadOnlyList<string> argumentsJson, CancellationToken cancellationToken)
        {
            Source = source;
            Entry = entry;
            return Task.FromResult(new CodeRunReport(true, null, argumentsJson.Select(_ => new CodeRun(true, "0", null)).ToList()));
        }
    }

    private sealed class ZeroEvaluator : IPackageEvaluator
    {
        public void Load()
        {
        }

        public PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns) => new(true, 0, "");

        public void Dispose()
        {
        }
    }
}
