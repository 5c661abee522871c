using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

public sealed class SplitTests
{
    public static TheoryData<string> DomainNames() => new(Shipped.MathNames);

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Splits_are_disjoint_non_empty_and_hold_several_instances(string name)
    {
        var domain = Shipped.Domain(name);
        var train = domain.GetTasks(Split.Train).Select(t => t.Id).ToList();
        var val = domain.GetTasks(Split.Val).Select(t => t.Id).ToList();
        var test = domain.GetTasks(Split.Test).Select(t => t.Id).ToList();

        Assert.True(train.Count >= 2 && val.Count >= 2 && test.Count >= 2);
        Assert.Empty(train.Intersect(val));
        Assert.Empty(train.Intersect(test));
        Assert.Empty(val.Intersect(test));
        var parameters = domain.AllTasks().Select(t => string.Join(",", t.Task.Parameters.OrderBy(p => p.Key).Select(p => p.Value))).ToList();
        Assert.Equal(parameters.Count, parameters.Distinct().Count());
    }

    [Theory]
    [InlineData("circle-packing", "n26")]
    [InlineData("heilbronn-triangle", "n11")]
    [InlineData("kissing-number", "d11")]
    [InlineData("first-autocorrelation", "n600")]
    public void Published_instance_is_in_val_and_is_the_default(string name, string id)
    {
        var domain = Shipped.Domain(name);

        Assert.Equal(id, domain.DefaultTaskId);
        Assert.Equal(Split.Val, domain.FindTask(id)!.Value.Split);
    }

    [Theory]
    [MemberData(nameof(DomainNames))]
    public void Task_specs_describe_the_format_and_carry_parameters_but_no_input(string name)
    {
        var domain = Shipped.Domain(name);

        foreach (var (_, task) in domain.AllTasks())
        {
            Assert.Equal(name, task.Domain);
            Assert.Null(task.Input);
            Assert.Single(task.Parameters);
            Assert.True(task.GetInt(task.Parameters.Keys.Single()) > 0);
            Assert.Contains("Answer: a JSON object", task.Description, StringComparison.Ordinal);
            Assert.Contains(Some.R(domain.GetReference(task)!.Value), task.Description, StringComparison.Ordinal);
            Assert.Contains("claims is ignored", task.Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Circle_packing_instances_match_the_plan()
    {
        var domain = Shipped.Domain("circle-packing");

        Assert.Equal(["n20", "n22", "n24"], domain.GetTasks(Split.Train).Select(t => t.Id));
        Assert.Equal(["n26", "n28"], domain.GetTasks(Split.Val).Select(t => t.Id));
        Assert.Equal(["n30", "n32"], domain.GetTasks(Split.Test).Select(t => t.Id));
        Assert.Equal(Shipped.Reference32, domain.GetReference(Some.Task(domain, "n32")));
    }

    [Fact]
    public void A_valid_answer_for_one_instance_is_invalid_for_the_others()
    {
        var domain = Shipped.Domain("circle-packing");
        var answer = Some.CircleAnswer(Some.Circles(26));

        var valid = domain.AllTasks().Where(t => domain.Evaluate(t.Task, answer).Valid).Select(t => t.Task.Id);

        Assert.Equal(["n26"], valid);
    }
}
