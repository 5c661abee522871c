namespace Hyperagents.Cli.Tests;

/// <summary>What the command prints when its output goes to a pipe, as in <c>hyperagents domains | less</c>.</summary>
public sealed class OutputTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Piped_tables_are_not_wrapped_at_80_columns_and_follow_COLUMNS_when_it_is_set()
    {
        _cli.Environment["COLUMNS"] = null;
        var (exit, wide) = _cli.RunWithoutArchive("domains");
        Assert.True(exit == 0, wide);
        Assert.Contains(wide.Split('\n'), line => line.Contains("first-autocorrelation (lower raw is better)", StringComparison.Ordinal) && line.Contains("n100 (1.50529)", StringComparison.Ordinal));

        Assert.All(wide.Split('\n'), line => Assert.False(line.TrimEnd('\r').EndsWith(' '), $"trailing white space: '{line}'"));

        _cli.Environment["COLUMNS"] = "80";
        var (_, narrow) = _cli.RunWithoutArchive("domains");
        Assert.All(narrow.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 80, line));
    }
}
