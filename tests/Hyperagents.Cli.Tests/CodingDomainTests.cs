using System.Globalization;
using System.Text.RegularExpressions;
using Hyperagents.Archive;
using Hyperagents.Domains;

namespace Hyperagents.Cli.Tests;

/// <summary>The built-in <c>coding</c> domain: shipped as a domain package next to the program, resolved by name, its
/// C#-source answers compiled through the agent gate and run against hidden tests in the sandbox.</summary>
public sealed partial class CodingDomainTests : IDisposable
{
    private const string SumEvens = """
        public static class Solution
        {
            public static int SumEvens(int[] nums)
            {
                var sum = 0;
                foreach (var n in nums)
                {
                    if (n % 2 == 0)
                    {
                        sum += n;
                    }
                }

                return sum;
            }
        }
        """;

    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void A_coding_run_completes_offline_in_the_sandbox_its_seed_stub_compiles_and_scores_zero_without_an_evaluator_fault_and_the_run_verifies()
    {
        var (exit, output) = _cli.Run("run", "--domain", "coding", "--generations", "1", "--tasks", "1", "--replicates", "1", "--name", "c");
        Assert.True(exit == 0, output);

        using (var run = ArchiveRun.Open(Path.Combine(_cli.Archive, "c")))
        {
            var manifest = run.ReadManifest();
            Assert.Equal("coding", manifest.Domain);
            Assert.Equal(DomainPackage.LoadFolder(Path.Combine(AppContext.BaseDirectory, "domains", "coding")).Hash, manifest.DomainPackage);
            Assert.NotNull(run.ReadDomainPackage()!["data/problems.jsonl"]);

            var seed = run.ListVariants().Single(v => v.Parent is null);
            var splits = run.GetEvaluations(seed.Id)[0].Splits;
            foreach (var split in new[] { "train", "val" })
            {
                var task = Assert.Single(splits[split].Tasks);
                Assert.Equal("completed", task.Outcome);
                Assert.Equal(0, task.Score);

                // The stub compiled (the verdict is the evaluator's, on the answer's runs) and every call threw.
                Assert.StartsWith("Compiled. Visible examples: 0 of", task.Feedback, StringComparison.Ordinal);
                Assert.Contains("NotImplementedException", task.Feedback, StringComparison.Ordinal);
            }
        }

        var (verifyExit, verify) = _cli.Run("verify", "c");
        Assert.True(verifyExit == 0, verify);
    }

    [Fact]
    public void Score_on_the_coding_domain_gives_one_to_a_correct_answer_a_fraction_to_a_partial_one_and_zero_to_one_that_does_not_compile()
    {
        var (listExit, list) = _cli.RunWithoutArchive("domains");
        Assert.True(listExit == 0, list);
        Assert.Contains("coding (higher raw is better)", list, StringComparison.Ordinal);

        Assert.Equal(1, Score(SumEvens));

        // Positive evens only: some hidden tests have negative evens. Wrapped in a fence, as models answer.
        var partial = Score("```csharp\n" + SumEvens.Replace("n % 2 == 0", "n % 2 == 0 && n > 0", StringComparison.Ordinal) + "\n```");
        Assert.InRange(partial, 0.01, 0.99);

        Assert.Equal(0, Score(SumEvens.Replace("return sum;", "return sum", StringComparison.Ordinal), valid: false));
    }

    private double Score(string source, bool valid = true)
    {
        var file = Path.Combine(_cli.Root, $"answer-{Guid.NewGuid():N}.cs");
        File.WriteAllText(file, source);
        var (exit, output) = _cli.RunWithoutArchive("score", "--domain", "coding", "--task", "sum-of-evens", file);
        Assert.True(exit == 0 || !valid, output);
        Assert.Matches(valid ? @"valid\s+yes" : @"valid\s+no", output);
        return double.Parse(ScoreLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"score\s+([0-9.]+)")]
    private static partial Regex ScoreLine();
}
