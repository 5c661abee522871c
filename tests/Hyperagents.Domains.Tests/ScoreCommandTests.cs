using Hyperagents.Cli;
using Spectre.Console.Testing;

namespace Hyperagents.Domains.Tests;

public sealed class ScoreCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ha-score-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(int Exit, string Output)> Run(params string[] args)
    {
        var console = new TestConsole { EmitAnsiSequences = false }.Width(200);
        var exit = await CliApp.RunAsync(args, console);
        return (exit, console.Output);
    }

    [Fact]
    public async Task Published_packing_scores_on_the_default_task_with_exit_0()
    {
        var answer = Write("a.json", Some.CircleAnswer(Some.Circles(26)));

        var (exit, output) = await Run("score", "--domain", "circle-packing", answer);

        Assert.Equal(0, exit);
        Assert.Contains("n26 (val; n = 26)", output, StringComparison.Ordinal);
        Assert.Contains("valid      yes", output, StringComparison.Ordinal);
        Assert.Contains("reference  2.6358627564136983", output, StringComparison.Ordinal);
        Assert.Contains("score      1.000000", output, StringComparison.Ordinal);
        Assert.Contains("evaluator  sha256:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_answer_exits_1_with_feedback()
    {
        var circles = Some.Circles(32);
        circles[0][0] = -0.5;
        var answer = Write("a.json", Some.CircleAnswer(circles));

        var (exit, output) = await Run("score", "--domain", "circle-packing", "--task", "n32", answer);

        Assert.Equal(1, exit);
        Assert.Contains("valid      no", output, StringComparison.Ordinal);
        Assert.Contains("circle 0", output, StringComparison.Ordinal);
        Assert.Contains("crosses x = 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kissing_answer_prints_the_count_as_raw()
    {
        var answer = Write("k.json", "{\"vectors\": " + Some.KissingVectorsJson() + ", \"score\": 99}");

        var (exit, output) = await Run("score", "--domain", "kissing-number", answer);

        Assert.Equal(0, exit);
        Assert.Contains("raw        593 (higher is better)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_domain_exits_2_and_lists_valid_names()
    {
        var answer = Write("a.json", "{}");

        var (exit, output) = await Run("score", "--domain", "packing", answer);

        Assert.Equal(2, exit);
        Assert.Contains("Unknown domain 'packing'", output, StringComparison.Ordinal);
        Assert.Contains("circle-packing, heilbronn-triangle, kissing-number, first-autocorrelation, coding, dataset", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_domain_unknown_task_and_missing_file_exit_2()
    {
        var answer = Write("a.json", "{}");

        var noDomain = await Run("score", answer);
        var badTask = await Run("score", "--domain", "heilbronn-triangle", "--task", "n99", answer);
        var noFile = await Run("score", "--domain", "heilbronn-triangle", Path.Combine(_folder, "nope.json"));

        Assert.Equal(2, noDomain.Exit);
        Assert.Contains("--domain is required", noDomain.Output, StringComparison.Ordinal);
        Assert.Equal(2, badTask.Exit);
        Assert.Contains("no task 'n99'", badTask.Output, StringComparison.Ordinal);
        Assert.Contains("n11 (val)", badTask.Output, StringComparison.Ordinal);
        Assert.Equal(2, noFile.Exit);
        Assert.Contains("does not exist", noFile.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dataset_answers_are_scored_and_malformed_datasets_exit_2()
    {
        var good = Write("answer.txt", "42\n");
        var dataset = Some.DataPath("arithmetic.jsonl");

        var correct = await Run("score", "--domain", "dataset", "--dataset", dataset, "--task", "line-1", good);
        var noTask = await Run("score", "--domain", "dataset", "--dataset", dataset, good);
        var broken = Write("broken.jsonl", "{\"input\": \"q\", \"expected\": \"a\"}\n{\"input\": [markup]}\n");
        var malformed = await Run("score", "--domain", "dataset", "--dataset", broken, "--task", "line-1", good);

        Assert.Equal(0, correct.Exit);
        Assert.Contains("correct (numeric match)", correct.Output, StringComparison.Ordinal);
        Assert.Equal(2, noTask.Exit);
        Assert.Contains("pass --task", noTask.Output, StringComparison.Ordinal);
        Assert.Equal(2, malformed.Exit);
        Assert.Contains("broken.jsonl:2:", malformed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task User_text_is_escaped_not_interpreted_as_markup()
    {
        var answer = Write("a.json", "{\"circles\": [[\"[red]x[/]\", 0, 0]]}");

        var (exit, output) = await Run("score", "--domain", "circle-packing", "--task", "n20", answer);

        Assert.Equal(1, exit);
        Assert.Contains("expected exactly 20 circles", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Domains_lists_every_domain_with_its_splits()
    {
        var (exit, output) = await Run("domains");

        Assert.Equal(0, exit);
        foreach (var name in new[] { "circle-packing", "heilbronn-triangle", "kissing-number", "first-autocorrelation" })
        {
            Assert.Contains(name, output, StringComparison.Ordinal);
        }

        Assert.Contains("d11 (593; best known 604)", output, StringComparison.Ordinal);
        Assert.Contains("n26 (2.63586; best known 2.635983)", output, StringComparison.Ordinal);
        Assert.Contains("n600 (1.50529)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dataset_match_and_tolerance_options_change_the_verdict()
    {
        var dataset = Write("d.jsonl", "{\"input\": \"pi?\", \"expected\": \"3.14159\", \"split\": \"train\"}\n");
        var answer = Write("a.txt", "3.1416");

        var exact = await Run("score", "--domain", "dataset", "--dataset", dataset, "--task", "line-1", answer);
        var loose = await Run("score", "--domain", "dataset", "--dataset", dataset, "--task", "line-1", "--match", "numeric", "--tolerance", "1e-4", answer);
        var badMatch = await Run("score", "--domain", "dataset", "--dataset", dataset, "--task", "line-1", "--match", "fuzzy", answer);
        var badTolerance = await Run("score", "--domain", "dataset", "--dataset", dataset, "--task", "line-1", "--tolerance", "-1", answer);

        Assert.Contains("score      0.000000", exact.Output, StringComparison.Ordinal);
        Assert.Contains("score      1.000000", loose.Output, StringComparison.Ordinal);
        Assert.Equal(2, badMatch.Exit);
        Assert.Contains("unknown --match 'fuzzy'", badMatch.Output, StringComparison.Ordinal);
        Assert.Equal(2, badTolerance.Exit);
    }

    [Fact]
    public async Task Domains_with_a_dataset_lists_its_splits()
    {
        var (exit, output) = await Run("domains", "--dataset", Some.DataPath("arithmetic.jsonl"));

        Assert.Equal(0, exit);
        Assert.Contains("dataset", output, StringComparison.Ordinal);
        Assert.Contains("line-25", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Without --dataset", output, StringComparison.Ordinal);
    }
}
