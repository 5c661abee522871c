using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Hyperagents.Compiler.Tests;

public sealed class MutationEngineTests
{
    private const string Code = """
        public static class Tuning
        {
            [System.Obsolete("x", false)]
            public static double Step(double x, int n)
            {
                var rate = 0.25;
                var bounded = /*@range(1, 3)*/ 2;
                var frozen = /*@fixed*/ 7;
                var decay = 1.5f;
                var money = 2.5m;
                var buffer = new int[16];
                var mask = 0xFF;
                var choice = /*@alt: Math.Max(x, rate) | Math.Min(x, rate) | x */ Math.Max(x, rate);
                if (x < n && x >= -3)
                {
                    return x * rate + n - decay / 2;
                }

                switch (n) { case 4: return 1; }
                return choice + bounded + frozen + (double)money + buffer.Length + mask;
            }
        }
        """;

    [Fact]
    public void Sites_cover_each_kind_and_honour_markers_and_exclusions()
    {
        var sites = MutationEngine.GetSites(Code);
        var literals = sites.Where(s => s.Kind == MutationKind.NumericLiteral).Select(s => s.Text).ToList();
        Assert.Contains("0.25", literals);
        Assert.Contains("2", literals);
        Assert.Contains("1.5f", literals);
        Assert.Contains("2.5m", literals);
        Assert.Contains("-3", literals);
        Assert.DoesNotContain("7", literals);    // @fixed
        Assert.DoesNotContain("16", literals);   // array size
        Assert.DoesNotContain("0xFF", literals); // mask
        Assert.DoesNotContain("4", literals);    // case label
        Assert.DoesNotContain(sites, s => s.Line == 3); // attribute
        Assert.True(sites.Single(s => s.Text == "2" && s.Line == 7).Marked);
        Assert.False(sites.Single(s => s.Text == "0.25").Marked);

        var operators = sites.Where(s => s.Kind == MutationKind.Operator).Select(s => s.Text).ToList();
        Assert.Equal(["<", ">=", "*", "+", "-", "/", "+", "+", "+", "+", "+"], operators);

        var alternative = Assert.Single(sites, s => s.Kind == MutationKind.Alternative);
        Assert.Equal("Math.Max(x, rate)", alternative.Text);
        Assert.Equal(13, alternative.Line);
        Assert.True(alternative.Marked);
    }

    [Fact]
    public void Same_request_gives_same_result_and_different_seeds_differ()
    {
        var request = new MutationRequest("task/Tuning.cs", 42, Count: 4);
        var (a, reportA) = MutationEngine.Mutate(Code, request);
        var (b, reportB) = MutationEngine.Mutate(Code, request);
        Assert.Equal(a, b);
        Assert.Equal(reportA.Applied, reportB.Applied);
        Assert.Equal(4, reportA.Applied.Count);
        Assert.Equal("task/Tuning.cs", reportA.Path);

        var outcomes = Enumerable.Range(0, 8).Select(seed => MutationEngine.Mutate(Code, request with { Seed = (ulong)seed }).NewCode).Distinct().Count();
        Assert.True(outcomes > 4);
    }

    [Fact]
    public void Every_result_still_parses()
    {
        for (ulong seed = 0; seed < 60; seed++)
        {
            var (code, report) = MutationEngine.Mutate(Code, new MutationRequest("t.cs", seed, Count: 6, Scale: 1.5));
            var tree = CSharpSyntaxTree.ParseText(code);
            Assert.Empty(tree.GetDiagnostics());
            Assert.NotEmpty(report.Applied);
            Assert.Contains("/*@alt: Math.Max(x, rate) | Math.Min(x, rate) | x */", code, StringComparison.Ordinal);
            Assert.Contains("/*@fixed*/ 7", code, StringComparison.Ordinal);
            Assert.Contains("new int[16]", code, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Real_literals_keep_their_type_and_are_scaled()
    {
        for (ulong seed = 0; seed < 20; seed++)
        {
            var request = new MutationRequest("t.cs", seed, Count: 10, Kinds: [MutationKind.NumericLiteral]);
            var (_, report) = MutationEngine.Mutate(Code, request);
            var rate = report.Applied.Single(m => m.Before == "0.25");
            var value = double.Parse(rate.After, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(value, 0.25 * Math.Exp(-0.6), 0.25 * Math.Exp(0.6)); // 6 sigma of scale 0.1
            Assert.NotEqual(0.25, value);
            Assert.EndsWith("f", report.Applied.Single(m => m.Before == "1.5f").After, StringComparison.Ordinal);
            Assert.EndsWith("m", report.Applied.Single(m => m.Before == "2.5m").After, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Integer_literals_move_by_at_least_one_and_ranges_clamp()
    {
        for (ulong seed = 0; seed < 30; seed++)
        {
            var request = new MutationRequest("t.cs", seed, Count: 1, MarkedOnly: true, Kinds: [MutationKind.NumericLiteral]);
            var (code, report) = MutationEngine.Mutate(Code, request);
            var applied = Assert.Single(report.Applied);
            Assert.Equal("2", applied.Before);
            var after = int.Parse(applied.After, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(after, 1, 3);
            Assert.NotEqual(2, after);
            Assert.Contains($"/*@range(1, 3)*/ {after};", code, StringComparison.Ordinal);
        }

        var (_, plain) = MutationEngine.Mutate("class C { int F() => 0; }", new MutationRequest("c.cs", 3));
        Assert.True(int.Parse(Assert.Single(plain.Applied).After, System.Globalization.CultureInfo.InvariantCulture) >= 1); // sign kept: 0 only grows
    }

    [Fact]
    public void Operators_swap_within_their_family()
    {
        var families = new[] { new[] { "+", "-" }, ["*", "/"], ["<", "<=", ">", ">="] };
        for (ulong seed = 0; seed < 20; seed++)
        {
            var (_, report) = MutationEngine.Mutate(Code, new MutationRequest("t.cs", seed, Count: 20, Kinds: [MutationKind.Operator]));
            Assert.Equal(11, report.Applied.Count);
            foreach (var m in report.Applied)
            {
                Assert.NotEqual(m.Before, m.After);
                Assert.Contains(families, f => f.Contains(m.Before) && f.Contains(m.After));
            }
        }
    }

    [Fact]
    public void Alternatives_are_replaced_by_another_listed_alternative_and_the_marker_stays()
    {
        var seen = new HashSet<string>();
        for (ulong seed = 0; seed < 20; seed++)
        {
            var (code, report) = MutationEngine.Mutate(Code, new MutationRequest("t.cs", seed, Kinds: [MutationKind.Alternative]));
            var applied = Assert.Single(report.Applied);
            Assert.Contains(applied.After, new[] { "Math.Min(x, rate)", "x" });
            seen.Add(applied.After);
            Assert.Contains("/*@alt: Math.Max(x, rate) | Math.Min(x, rate) | x */ " + applied.After + ";", code, StringComparison.Ordinal);

            // The choice can change again: the mutated file still has the site.
            Assert.Single(MutationEngine.GetSites(code), s => s.Kind == MutationKind.Alternative);
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void Line_filter_and_count_limit_the_mutations()
    {
        var (_, report) = MutationEngine.Mutate(Code, new MutationRequest("t.cs", 1, Count: 50, Lines: [16]));
        Assert.All(report.Applied, m => Assert.Equal(16, m.Line));
        Assert.Equal(MutationEngine.GetSites(Code).Count(s => s.Line == 16), report.Applied.Count);

        var (unchanged, none) = MutationEngine.Mutate(Code, new MutationRequest("t.cs", 1, Count: 0));
        Assert.Equal(Code, unchanged);
        Assert.Empty(none.Applied);
    }

    [Fact]
    public void Negative_results_of_bare_literals_are_parenthesised()
    {
        var code = "class C { int F(int x) => x-3; }";
        for (ulong seed = 0; seed < 40; seed++)
        {
            var (mutated, _) = MutationEngine.Mutate(code.Replace("x-3", "x-/*@range(-10, 10)*/3", StringComparison.Ordinal), new MutationRequest("c.cs", seed, Kinds: [MutationKind.NumericLiteral]));
            Assert.Empty(CSharpSyntaxTree.ParseText(mutated).GetDiagnostics());
            Assert.DoesNotContain("--", mutated, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Bad_requests_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => MutationEngine.Mutate(Code, new MutationRequest("t.cs", 1, Count: -1)));
        Assert.Throws<ArgumentException>(() => MutationEngine.Mutate(Code, new MutationRequest("t.cs", 1, Scale: double.NaN)));
    }
}
