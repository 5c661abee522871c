using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>A domain package offers the exact re-check through <c>EvalInput.Exact</c>, across the evaluator worker.</summary>
public sealed class PackageExactCheckTests
{
    [Fact]
    public void A_package_evaluator_sees_the_exact_re_check_and_drops_its_tolerance()
    {
        // Valid when x is within 1e-9 of the target, or exactly on it when Exact is set.
        var evaluator = TestPackages.EvaluatorWithBody("""
                    using var doc = JsonDocument.Parse(input.Answer);
                    var x = doc.RootElement.GetProperty("x").GetDouble();
                    var target = double.Parse(input.Task.Parameters["target"], System.Globalization.CultureInfo.InvariantCulture);
                    var tolerance = input.Exact ? 0 : 1e-9;
                    return Math.Abs(x - target) <= tolerance ? EvaluationResult.Ok(1, input.Exact ? "exact" : "tolerant") : EvaluationResult.Invalid("off target");
            """);
        using var domain = TestPackages.Open(TestPackages.Write(evaluator));
        var task = TestPackages.Task(domain, "t1");

        Assert.True(domain.Evaluate(task, """{"x": 3.0000000001}""").Valid);
        Assert.False(domain.EvaluateExact(task, """{"x": 3.0000000001}""").Valid);
        var exact = domain.EvaluateExact(task, """{"x": 3}""");
        Assert.True(exact.Valid);
        Assert.Equal("exact", exact.Feedback);
    }
}
