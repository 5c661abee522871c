using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace Hyperagents.Compiler.Tests;

public sealed class DiagnosticIdTests
{
    [Fact]
    public void Every_HA_id_in_the_source_is_written_only_in_the_one_registry()
    {
        var src = RepositoryRoot.Combine("src");
        var registry = Path.Combine(src, "Hyperagents.Compiler", "DiagnosticIds.cs");
        var literal = new Regex("\"HA[0-9]{4}\"");
        var elsewhere = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => f != registry && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(src, f), Line: i + 1, Text: line)))
            .Where(l => literal.IsMatch(l.Text))
            .Select(l => $"src/{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(elsewhere.Count == 0, "Name these ids in DiagnosticIds (src/Hyperagents.Compiler/DiagnosticIds.cs) and use the constant:\n" + string.Join('\n', elsewhere));
    }

    [Fact]
    public void The_registry_lists_every_id_once_with_its_meaning()
    {
        var constants = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToList();
        Assert.All(constants, id => Assert.Matches("^HA[0-9]{4}$", id));
        Assert.Equal(constants.Count, constants.Distinct().Count());
        Assert.Equal(constants, DiagnosticIds.All.Select(e => e.Id));
        Assert.All(DiagnosticIds.All, e => Assert.False(string.IsNullOrWhiteSpace(e.Meaning), e.Id));
    }
}
