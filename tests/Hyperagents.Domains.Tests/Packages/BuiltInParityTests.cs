using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>The shipped math packages score exactly as the in-process evaluators they replaced did. Every expected
/// verdict below (validity, score and feedback, of the ordinary check and of the exact re-check) was captured as a
/// literal from the old in-process evaluators (CirclePackingDomain, HeilbronnTriangleDomain, KissingNumberDomain,
/// FirstAutocorrelationDomain at commit a455665) before they were deleted; none is computed by the new code.</summary>
public sealed class BuiltInParityTests
{
    public sealed record Case(string Answer, bool Valid, double Score, string Feedback, bool ExactValid, double ExactScore, string ExactFeedback);

    public static TheoryData<string, string, int> All()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var (domain, (task, cases)) in Expected)
        {
            for (var i = 0; i < cases.Length; i++)
            {
                data.Add(domain, task, i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(All))]
    public void A_shipped_math_package_gives_the_old_in_process_verdict_for_the_same_answer(string name, string taskId, int index)
    {
        var expected = Expected[name].Cases[index];
        var domain = Shipped.Domain(name);
        var task = TestPackages.Task(domain, taskId);

        var score = domain.Evaluate(task, expected.Answer);
        var exact = ((IExactCheck)domain).EvaluateExact(task, expected.Answer);

        Assert.Null(score.Fault);
        Assert.Equal((expected.Valid, expected.Score, expected.Feedback), (score.Valid, score.Score, score.Feedback));
        Assert.Equal((expected.ExactValid, expected.ExactScore, expected.ExactFeedback), (exact.Valid, exact.Score, exact.Feedback));
    }

    private static readonly Dictionary<string, (string Task, Case[] Cases)> Expected = new()
    {
        ["circle-packing"] = ("n20", [
            new("{\"circles\": [[0.1,0.1,0.09],[0.30000000000000004,0.1,0.09],[0.5,0.1,0.09],[0.7000000000000001,0.1,0.09],[0.9,0.1,0.09],[0.1,0.30000000000000004,0.09],[0.30000000000000004,0.30000000000000004,0.09],[0.5,0.30000000000000004,0.09],[0.7000000000000001,0.30000000000000004,0.09],[0.9,0.30000000000000004,0.09],[0.1,0.5,0.09],[0.30000000000000004,0.5,0.09],[0.5,0.5,0.09],[0.7000000000000001,0.5,0.09],[0.9,0.5,0.09],[0.1,0.7000000000000001,0.09],[0.30000000000000004,0.7000000000000001,0.09],[0.5,0.7000000000000001,0.09],[0.7000000000000001,0.7000000000000001,0.09],[0.9,0.7000000000000001,0.09]]}", true, 0.7786125283589452, "valid: 20 circles, sum of radii 1.7999999999999998; reference 2.3118045683053645 (estimate: AlphaEvolve's n=26 value scaled by sqrt(n/26), not a literature value); normalised score 0.778613. Tightest pair: circles 1 and 2, gap 0.02.", true, 0.7786125283589452, "valid: 20 circles, sum of radii 1.7999999999999998; reference 2.3118045683053645 (estimate: AlphaEvolve's n=26 value scaled by sqrt(n/26), not a literature value); normalised score 0.778613. Tightest pair: circles 1 and 2, gap 0.02."),
            new("{\"circles\": [[0.1,0.1,0.2],[0.30000000000000004,0.1,0.09],[0.5,0.1,0.09],[0.7000000000000001,0.1,0.09],[0.9,0.1,0.09],[0.1,0.30000000000000004,0.09],[0.30000000000000004,0.30000000000000004,0.09],[0.5,0.30000000000000004,0.09],[0.7000000000000001,0.30000000000000004,0.09],[0.9,0.30000000000000004,0.09],[0.1,0.5,0.09],[0.30000000000000004,0.5,0.09],[0.5,0.5,0.09],[0.7000000000000001,0.5,0.09],[0.9,0.5,0.09],[0.1,0.7000000000000001,0.09],[0.30000000000000004,0.7000000000000001,0.09],[0.5,0.7000000000000001,0.09],[0.7000000000000001,0.7000000000000001,0.09],[0.9,0.7000000000000001,0.09]]}", false, 0, "invalid: circle 0 (x=0.1, r=0.2) crosses x = 0 by 0.1; circle 0 (y=0.1, r=0.2) crosses y = 0 by 0.1. Every circle must lie inside [0,1]² (checked exactly, no tolerance).", false, 0, "invalid: circle 0 (x=0.1, r=0.2) crosses x = 0 by 0.1; circle 0 (y=0.1, r=0.2) crosses y = 0 by 0.1. Every circle must lie inside [0,1]² (checked exactly, no tolerance)."),
            new("{\"circles\": [[0.05,0.1,0.09],[0.30000000000000004,0.1,0.09],[0.5,0.1,0.09],[0.7000000000000001,0.1,0.09],[0.9,0.1,0.09],[0.1,0.30000000000000004,0.09],[0.30000000000000004,0.30000000000000004,0.09],[0.5,0.30000000000000004,0.09],[0.7000000000000001,0.30000000000000004,0.09],[0.9,0.30000000000000004,0.09],[0.1,0.5,0.09],[0.30000000000000004,0.5,0.09],[0.5,0.5,0.09],[0.7000000000000001,0.5,0.09],[0.9,0.5,0.09],[0.1,0.7000000000000001,0.09],[0.30000000000000004,0.7000000000000001,0.09],[0.5,0.7000000000000001,0.09],[0.7000000000000001,0.7000000000000001,0.09],[0.9,0.7000000000000001,0.09]]}", false, 0, "invalid: circle 0 (x=0.05, r=0.09) crosses x = 0 by 0.04. Every circle must lie inside [0,1]² (checked exactly, no tolerance).", false, 0, "invalid: circle 0 (x=0.05, r=0.09) crosses x = 0 by 0.04. Every circle must lie inside [0,1]² (checked exactly, no tolerance)."),
            new("{\"circles\": [[0.1,0.1,-0.09],[0.30000000000000004,0.1,0.09],[0.5,0.1,0.09],[0.7000000000000001,0.1,0.09],[0.9,0.1,0.09],[0.1,0.30000000000000004,0.09],[0.30000000000000004,0.30000000000000004,0.09],[0.5,0.30000000000000004,0.09],[0.7000000000000001,0.30000000000000004,0.09],[0.9,0.30000000000000004,0.09],[0.1,0.5,0.09],[0.30000000000000004,0.5,0.09],[0.5,0.5,0.09],[0.7000000000000001,0.5,0.09],[0.9,0.5,0.09],[0.1,0.7000000000000001,0.09],[0.30000000000000004,0.7000000000000001,0.09],[0.5,0.7000000000000001,0.09],[0.7000000000000001,0.7000000000000001,0.09],[0.9,0.7000000000000001,0.09]]}", false, 0, "invalid: circle 0 has radius -0.09; radii must be > 0. Every circle must lie inside [0,1]² (checked exactly, no tolerance).", false, 0, "invalid: circle 0 has radius -0.09; radii must be > 0. Every circle must lie inside [0,1]² (checked exactly, no tolerance)."),
            new("```json\n{\"circles\": [[0.1,0.1,0.09],[0.30000000000000004,0.1,0.09],[0.5,0.1,0.09],[0.7000000000000001,0.1,0.09],[0.9,0.1,0.09],[0.1,0.30000000000000004,0.09],[0.30000000000000004,0.30000000000000004,0.09],[0.5,0.30000000000000004,0.09],[0.7000000000000001,0.30000000000000004,0.09],[0.9,0.30000000000000004,0.09],[0.1,0.5,0.09],[0.30000000000000004,0.5,0.09],[0.5,0.5,0.09],[0.7000000000000001,0.5,0.09],[0.9,0.5,0.09],[0.1,0.7000000000000001,0.09],[0.30000000000000004,0.7000000000000001,0.09],[0.5,0.7000000000000001,0.09],[0.7000000000000001,0.7000000000000001,0.09],[0.9,0.7000000000000001,0.09]]}\n```", true, 0.7786125283589452, "valid: 20 circles, sum of radii 1.7999999999999998; reference 2.3118045683053645 (estimate: AlphaEvolve's n=26 value scaled by sqrt(n/26), not a literature value); normalised score 0.778613. Tightest pair: circles 1 and 2, gap 0.02.", true, 0.7786125283589452, "valid: 20 circles, sum of radii 1.7999999999999998; reference 2.3118045683053645 (estimate: AlphaEvolve's n=26 value scaled by sqrt(n/26), not a literature value); normalised score 0.778613. Tightest pair: circles 1 and 2, gap 0.02."),
            new("{\"circles\": [[0.5,0.5,0.1]]}", false, 0, "expected exactly 20 circles, got 1", false, 0, "expected exactly 20 circles, got 1"),
            new("{\"circles\": [[0.5,0.5]]}", false, 0, "expected exactly 20 circles, got 1", false, 0, "expected exactly 20 circles, got 1"),
            new("not json", false, 0, "malformed JSON: 'not json' is an invalid JSON literal; expected {\"circles\": [[x, y, r], ...]}", false, 0, "malformed JSON: 'not json' is an invalid JSON literal; expected {\"circles\": [[x, y, r], ...]}"),
            new("[1,2]", false, 0, "answer is a JSON array; expected a JSON object; expected {\"circles\": [[x, y, r], ...]}", false, 0, "answer is a JSON array; expected a JSON object; expected {\"circles\": [[x, y, r], ...]}"),
            new("{\"circles\": 3}", false, 0, "field \"circles\" is a JSON number; expected an array; expected {\"circles\": [[x, y, r], ...]}", false, 0, "field \"circles\" is a JSON number; expected an array; expected {\"circles\": [[x, y, r], ...]}"),
            new("{\"circles\": [[NaN,1,1]]}", false, 0, "malformed JSON: 'N' is an invalid start of a value (NaN and Infinity are not JSON numbers and are never accepted); expected {\"circles\": [[x, y, r], ...]}", false, 0, "malformed JSON: 'N' is an invalid start of a value (NaN and Infinity are not JSON numbers and are never accepted); expected {\"circles\": [[x, y, r], ...]}"),
            new("", false, 0, "answer is empty; expected a JSON object; expected {\"circles\": [[x, y, r], ...]}", false, 0, "answer is empty; expected a JSON object; expected {\"circles\": [[x, y, r], ...]}"),
            new("{\"other\": 1}", false, 0, "missing field \"circles\"; expected {\"circles\": [[x, y, r], ...]}", false, 0, "missing field \"circles\"; expected {\"circles\": [[x, y, r], ...]}"),
        ]),
        ["heilbronn-triangle"] = ("n8", [
            new("{\"points\": [[0,0],[1,0],[0.5,0.8660254037844386],[0.5,0.1],[0.3,0.2],[0.7,0.2],[0.5,0.5],[0.4,0.3]]}", true, 0, "valid: 8 points, smallest triangle (points 2, 3, 6) has 0 of the container's area; reference 0.06906432305443201 (estimate: AlphaEvolve's n=11 value scaled by (11/n)^2, not a literature value); normalised score 0. Three points are collinear or coincide, so the figure is 0.", true, 0, "valid: 8 points, smallest triangle (points 2, 3, 6) has 0 of the container's area; reference 0.06906432305443201 (estimate: AlphaEvolve's n=11 value scaled by (11/n)^2, not a literature value); normalised score 0. Three points are collinear or coincide, so the figure is 0."),
            new("{\"points\": [[0,-1e-13],[1,0],[0.5,0.8660254037844386],[0.5,0.1],[0.3,0.2],[0.7,0.2],[0.5,0.5],[0.4,0.3]]}", true, 0, "valid: 8 points, smallest triangle (points 2, 3, 6) has 0 of the container's area; reference 0.06906432305443201 (estimate: AlphaEvolve's n=11 value scaled by (11/n)^2, not a literature value); normalised score 0. Three points are collinear or coincide, so the figure is 0.", false, 0, "invalid: point 0 (0, -1E-13) lies outside the triangle (exact check, no tolerance). Points must lie in the closed triangle (0,0), (1,0), (1/2, √3/2); the exact re-check allows no tolerance."),
            new("{\"points\": [[0,-1e-3],[1,0],[0.5,0.8660254037844386],[0.5,0.1],[0.3,0.2],[0.7,0.2],[0.5,0.5],[0.4,0.3]]}", false, 0, "invalid: point 0 (0, -0.001) lies 0.001 below the edge y = 0. Points must lie in the triangle (0,0), (1,0), (1/2, √3/2), tolerance 1e-12.", false, 0, "invalid: point 0 (0, -0.001) lies outside the triangle (exact check, no tolerance). Points must lie in the closed triangle (0,0), (1,0), (1/2, √3/2); the exact re-check allows no tolerance."),
            new("{\"points\": [[0,0],[0.5,0],[1,0],[0.5,0.1],[0.3,0.2],[0.7,0.2],[0.5,0.5],[0.4,0.3]]}", true, 0, "valid: 8 points, smallest triangle (points 0, 1, 2) has 0 of the container's area; reference 0.06906432305443201 (estimate: AlphaEvolve's n=11 value scaled by (11/n)^2, not a literature value); normalised score 0. Three points are collinear or coincide, so the figure is 0.", true, 0, "valid: 8 points, smallest triangle (points 0, 1, 2) has 0 of the container's area; reference 0.06906432305443201 (estimate: AlphaEvolve's n=11 value scaled by (11/n)^2, not a literature value); normalised score 0. Three points are collinear or coincide, so the figure is 0."),
            new("{\"points\": [[0,0]]}", false, 0, "expected exactly 8 points, got 1", false, 0, "expected exactly 8 points, got 1"),
            new("{\"points\": [[0,0,1],[1,0],[0.5,0.8],[0.5,0.1],[0.3,0.2],[0.7,0.2],[0.5,0.5],[0.4,0.3]]}", false, 0, "points[0] has 3 numbers; expected 2 (each point is [x, y])", false, 0, "points[0] has 3 numbers; expected 2 (each point is [x, y])"),
            new("oops", false, 0, "malformed JSON: 'o' is an invalid start of a value; expected {\"points\": [[x, y], ...]}", false, 0, "malformed JSON: 'o' is an invalid start of a value; expected {\"points\": [[x, y], ...]}"),
        ]),
        ["kissing-number"] = ("d3", [
            new("{\"vectors\": [[1,1,0],[1,-1,0],[-1,1,0],[-1,-1,0],[1,0,1],[1,0,-1],[-1,0,1],[-1,0,-1],[0,1,1],[0,1,-1],[0,-1,1],[0,-1,-1]]}", true, 1, "valid: 12 vectors in dimension 3; reference 12 (kissing number, proven (Schuette and van der Waerden 1953)); normalised score 1.", true, 1, "valid: 12 vectors in dimension 3; reference 12 (kissing number, proven (Schuette and van der Waerden 1953)); normalised score 1."),
            new("{\"vectors\": [[1,1,0],[1,-1,0],[1,1,0]]}", false, 0, "invalid: vectors[2] duplicates vectors[0]", false, 0, "invalid: vectors[2] duplicates vectors[0]"),
            new("{\"vectors\": [[1,0,0],[0,1,0]]}", true, 0.16666666666666666, "valid: 2 vectors in dimension 3; reference 12 (kissing number, proven (Schuette and van der Waerden 1953)); normalised score 0.166667.", true, 0.16666666666666666, "valid: 2 vectors in dimension 3; reference 12 (kissing number, proven (Schuette and van der Waerden 1953)); normalised score 0.166667."),
            new("{\"vectors\": [[0,0,0]]}", false, 0, "invalid: vectors[0] is the zero vector, which is not allowed", false, 0, "invalid: vectors[0] is the zero vector, which is not allowed"),
            new("{\"vectors\": []}", false, 0, "the set is empty; give at least one non-zero vector", false, 0, "the set is empty; give at least one non-zero vector"),
            new("{\"vectors\": [[1.5,0,0]]}", false, 0, "vectors[0][0] = 1.5 is not a JSON integer (no fraction or exponent allowed)", false, 0, "vectors[0][0] = 1.5 is not a JSON integer (no fraction or exponent allowed)"),
            new("{\"vectors\": [[1,0]]}", false, 0, "vectors[0] has 2 coordinates; expected dimension d = 3", false, 0, "vectors[0] has 2 coordinates; expected dimension d = 3"),
            new("{\"vectors\": [[1,0,0],[1,0,1]]}", false, 0, "invalid: vectors[0] and vectors[1] are too close: ||a-b||^2 = 1 < max ||c||^2 = 2 (vectors[1]); 1 pair(s) violate min ||a-b||^2 >= max ||c||^2 in total (this pair is the closest)", false, 0, "invalid: vectors[0] and vectors[1] are too close: ||a-b||^2 = 1 < max ||c||^2 = 2 (vectors[1]); 1 pair(s) violate min ||a-b||^2 >= max ||c||^2 in total (this pair is the closest)"),
            new("{}", false, 0, "missing field \"vectors\"; expected {\"vectors\": [[i1, ..., id], ...]} with JSON integers", false, 0, "missing field \"vectors\"; expected {\"vectors\": [[i1, ..., id], ...]} with JSON integers"),
        ]),
        ["first-autocorrelation"] = ("n25", [
            new("{\"values\": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}", true, 0.7526469842200804, "valid: 25 heights, C1 = 2 (lower is better), max of f*f at x = 0; reference 1.5052939684401607 (AlphaEvolve 2025, published 600-step construction; the same for every n); normalised score 0.752647.", true, 0.7526469842200804, "valid: 25 heights, C1 = 2 (lower is better), max of f*f at x = 0; reference 1.5052939684401607 (AlphaEvolve 2025, published 600-step construction; the same for every n); normalised score 0.752647."),
            new("{\"values\": [0.5,1.5,2.5,0.5,1.5,2.5,0.5,1.5,2.5,0.5,1.5,2.5,0.5,1.5,2.5,0.5,1.5,2.5,0.5,1.5,2.5,0.5,1.5,2.5,0.5]}", true, 0.6443141813508126, "valid: 25 heights, C1 = 2.336273221992869 (lower is better), max of f*f at x = 0; reference 1.5052939684401607 (AlphaEvolve 2025, published 600-step construction; the same for every n); normalised score 0.644314.", true, 0.6443141813508126, "valid: 25 heights, C1 = 2.336273221992869 (lower is better), max of f*f at x = 0; reference 1.5052939684401607 (AlphaEvolve 2025, published 600-step construction; the same for every n); normalised score 0.644314."),
            new("{\"values\": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}", false, 0, "all heights are zero; the integral of f must be positive", false, 0, "all heights are zero; the integral of f must be positive"),
            new("{\"values\": [-1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}", false, 0, "invalid: values[0] = -1 is negative. Heights must be >= 0.", false, 0, "invalid: values[0] = -1 is negative. Heights must be >= 0."),
            new("{\"values\": [1,2,3]}", false, 0, "expected exactly 25 step heights, got 3", false, 0, "expected exactly 25 step heights, got 3"),
            new("{\"values\": \"x\"}", false, 0, "field \"values\" is a JSON string; expected an array; expected {\"values\": [h1, ..., hn]}", false, 0, "field \"values\" is a JSON string; expected an array; expected {\"values\": [h1, ..., hn]}"),
            new("{\"values\": [1e400,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}", false, 0, "values[0] = 1e400 is not a finite double", false, 0, "values[0] = 1e400 is not a finite double"),
        ]),
    };
}
