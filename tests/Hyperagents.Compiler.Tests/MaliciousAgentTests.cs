using System.Text.RegularExpressions;
using Xunit;

namespace Hyperagents.Compiler.Tests;

/// <summary>Every sample under Agents/Malicious carries its expectations in comments: <c>// expect ID symbol</c> at the end of
/// the line that must be rejected (several separated by ';'), <c>// compiler-errors: CS...</c> for the Roslyn errors the
/// construct also causes, and <c>// accept:</c> for samples that must pass.</summary>
public sealed class MaliciousAgentTests
{
    private static readonly Regex Expect = new(@"// expect (.+)$", RegexOptions.CultureInvariant);

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Directory.GetFileSystemEntries(Some.MaliciousDir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            data.Add(entry!);
        }

        return data;
    }

    [Fact]
    public void There_are_at_least_24_malicious_samples_covering_every_threat_row()
    {
        var names = Directory.GetFileSystemEntries(Some.MaliciousDir).Select(Path.GetFileName).ToList();
        Assert.True(names.Count >= 24, $"only {names.Count} samples");
        foreach (var row in new[] { "E06", "E07", "E08", "E09", "E10", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "R04", "R10", "R11" })
        {
            Assert.Contains(names, n => n!.StartsWith(row + "_", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_is_rejected_exactly_where_and_why_it_says(string name)
    {
        var path = Path.Combine(Some.MaliciousDir, name);
        var isFolder = Directory.Exists(path);
        // A folder sample's other files are ones the path rule refuses (Suppression_files_are_refused_and_the_gate_holds_without_them).
        var source = isFolder
            ? AgentSource.FromFiles(Directory.GetFiles(path, "*.cs").ToDictionary(f => Path.GetFileName(f), File.ReadAllText))
            : Some.Single(File.ReadAllText(path));
        var only = source.CSharpFiles.Single();
        var (file, text) = (only.Key, only.Value);

        var result = Some.Compiler.Compile(source);
        var diagnostics = result.Report.Diagnostics;
        var lines = text.Split('\n');

        if (text.StartsWith("// accept:", StringComparison.Ordinal))
        {
            Assert.True(result.Success, string.Join(Environment.NewLine, diagnostics));
            Assert.Empty(diagnostics);
            return;
        }

        Assert.False(result.Success);
        Assert.Null(result.Agent);
        var expectations = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (Expect.Match(lines[i]) is not { Success: true } match)
            {
                continue;
            }

            foreach (var part in match.Groups[1].Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var space = part.IndexOf(' ', StringComparison.Ordinal);
                var id = part[..space];
                var symbol = part[(space + 1)..].Trim();
                expectations++;
                Assert.True(
                    diagnostics.Any(d => d.Id == id && d.File == file && d.Line == i + 1 && d.Message.Contains(symbol, StringComparison.Ordinal)),
                    $"expected {id} naming '{symbol}' at {file}:{i + 1}; got:{Environment.NewLine}{string.Join(Environment.NewLine, diagnostics)}");
            }
        }

        Assert.True(expectations > 0, "sample has no '// expect' marker");

        // Only the gate rejects it: any Roslyn error must be one the construct itself causes, as the sample declares.
        var allowedCompilerErrors = Regex.Match(text, @"// compiler-errors: (.+)") is { Success: true } m
            ? m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries).ToHashSet()
            : [];
        Assert.All(diagnostics.Where(d => !d.Id.StartsWith("HA", StringComparison.Ordinal)), d => Assert.Contains(d.Id, allowedCompilerErrors));

        // Every gate diagnostic names a rule: a policy line or a rule family.
        Assert.All(diagnostics.Where(d => d.Id == DiagnosticIds.DisallowedApi), d =>
            Assert.Matches(@"(denied by policy line \d+ '.+'|no allow rule matches)", d.Message));

        // Entry points are valid, so no entry-point diagnostic may appear.
        Assert.DoesNotContain(diagnostics, d => d.Id is DiagnosticIds.SolveTaskEntryPoint or DiagnosticIds.ModifySelfEntryPoint);
    }

    [Fact]
    public void Suppression_files_are_refused_and_the_gate_holds_without_them()
    {
        var folder = Path.Combine(Some.MaliciousDir, "E14_EditorConfig");
        Assert.True(File.Exists(Path.Combine(folder, ".editorconfig")));
        Assert.True(File.Exists(Path.Combine(folder, ".globalconfig")));
        var refused = Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(folder));
        Assert.Contains("is a protected name", refused.Message, StringComparison.Ordinal);
        Assert.Matches(@"'\*\.(editor|global)config'", refused.Message);

        var agent = Some.Single(File.ReadAllText(Path.Combine(folder, "Agent.cs")));
        var result = Some.Compiler.Compile(agent);
        Assert.Contains(result.Report.Diagnostics, d => d.Id == DiagnosticIds.DisallowedApi && d.Message.Contains("System.IO.File.Exists", StringComparison.Ordinal));
    }

    [Fact]
    public void Pragma_and_SuppressMessage_do_not_silence_the_gate()
    {
        var text = File.ReadAllText(Path.Combine(Some.MaliciousDir, "E14_PragmaSuppression.cs"));
        Assert.Contains("#pragma warning disable HA0001", text, StringComparison.Ordinal);
        Assert.Contains("SuppressMessage", text, StringComparison.Ordinal);
        var result = Some.Compiler.Compile(Some.Single(text));
        Assert.Contains(result.Report.Diagnostics, d => d.Id == "HA0001" && d.Message.Contains("System.IO.File.Delete(string)", StringComparison.Ordinal));
    }
}
