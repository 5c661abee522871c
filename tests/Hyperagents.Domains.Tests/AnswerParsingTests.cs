using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

/// <summary>Malformed and hostile answers, against every math domain.</summary>
public sealed class AnswerParsingTests
{
    public static TheoryData<string> DomainNames() => new(Shipped.MathNames);

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Malformed_json_is_invalid_with_a_reason(string name)
    {
        var domain = Shipped.Domain(name);
        var task = domain.GetTasks(Split.Train)[0];

        foreach (var answer in new[] { "", "   ", "{", "{\"circles\": [[0.1, 0.2, 0.3]", "[1, 2, 3]", "42", "not json", "{\"a\": 1,}" })
        {
            var result = domain.Evaluate(task, answer);

            Assert.False(result.Valid, answer);
            Assert.Equal(0, result.Score);
            Assert.Null(result.Raw);
            Assert.NotEmpty(result.Feedback);
        }
    }

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Missing_field_names_the_field(string name)
    {
        var domain = Shipped.Domain(name);

        var result = domain.Evaluate(domain.GetTasks(Split.Train)[0], "{\"answer\": []}");

        Assert.False(result.Valid);
        Assert.Contains("missing field", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Huge_answer_is_rejected_before_parsing(string name)
    {
        var domain = Shipped.Domain(name);
        var huge = "{\"pad\": \"" + new string('x', DomainLimits.MaxAnswerChars) + "\"}";

        var result = domain.Evaluate(domain.GetTasks(Split.Train)[0], huge);

        Assert.False(result.Valid);
        Assert.Contains("answer too large", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Too_many_items_are_rejected(string name)
    {
        var domain = Shipped.Domain(name);
        var field = name switch
        {
            "circle-packing" => "circles",
            "heilbronn-triangle" => "points",
            "kissing-number" => "vectors",
            _ => "values",
        };
        var answer = "{\"" + field + "\": [" + string.Join(",", Enumerable.Repeat("0", DomainLimits.MaxItems + 1)) + "]}";

        var result = domain.Evaluate(domain.GetTasks(Split.Train)[0], answer);

        Assert.False(result.Valid);
        Assert.Contains("at most 10,000 allowed", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Python_style_nan_gets_a_hint(string name)
    {
        var domain = Shipped.Domain(name);

        var result = domain.Evaluate(domain.GetTasks(Split.Train)[0], "{\"values\": [NaN], \"circles\": [[NaN, 0, 0]]}");

        Assert.False(result.Valid);
        Assert.Contains("NaN and Infinity are not JSON numbers", result.Feedback, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Deeply_nested_json_is_rejected(string name)
    {
        var domain = Shipped.Domain(name);
        var answer = "{\"x\": " + new string('[', 100) + new string(']', 100) + "}";

        Assert.False(domain.Evaluate(domain.GetTasks(Split.Train)[0], answer).Valid);
    }

    [Fact]
    public void Feedback_is_capped()
    {
        var domain = Shipped.Domain("circle-packing");
        var task = domain.GetTasks(Split.Train)[0];
        var n = task.GetInt("n");
        var answer = Some.CircleAnswer(Enumerable.Range(0, n).Select(_ => new[] { 0.5, 0.5, 0.4 }));

        var result = domain.Evaluate(task, answer);

        Assert.False(result.Valid);
        Assert.True(result.Feedback.Length <= DomainLimits.MaxFeedbackChars);
        Assert.Contains("more problem(s)", result.Feedback, StringComparison.Ordinal);
    }
}
