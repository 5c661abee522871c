using Hyperagents.Cli;
using Spectre.Console.Testing;
using Xunit;

namespace Hyperagents.Compiler.Tests;

/// <summary><c>hyperagents check</c> through the real command line, with Spectre's test console.</summary>
public sealed class CheckCommandTests
{
    private static async Task<(int Exit, string Output)> Check(params string[] args)
    {
        var console = new TestConsole().Width(400);
        var exit = await CliApp.RunAsync(["check", .. args], console);
        var output = console.Output;
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        return (exit, output);
    }

    private static string Folder(params (string Path, string Content)[] files)
    {
        var dir = Some.TempDir();
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(dir, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        return dir;
    }

    [Fact]
    public async Task Success_lists_both_entry_points_and_exits_zero()
    {
        var (exit, output) = await Check(Some.BenignDir);
        Assert.Equal(0, exit);
        Assert.Contains("passed:", output, StringComparison.Ordinal);
        Assert.Contains("SolveTask   Benign.Solver: public static Task<string> SolveTask(TaskContext)", output, StringComparison.Ordinal);
        Assert.Contains("ModifySelf  Benign.Meta: public static Task ModifySelf(MetaContext)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gate_violation_prints_file_line_column_id_and_message_and_exits_one()
    {
        var (exit, output) = await Check(Folder(("Agent.cs", File.ReadAllText(Path.Combine(Some.MaliciousDir, "E14_EditorConfig", "Agent.cs")))));
        Assert.Equal(1, exit);
        Assert.Contains("Agent.cs(11,16): HA0001: 'System.IO.File.Exists(string)' is not allowed: denied by policy line", output, StringComparison.Ordinal);
        Assert.Contains("rejected:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_holding_a_file_the_path_rule_refuses_is_named_with_what_is_allowed()
    {
        var (exit, output) = await Check(Folder(("task/Solver.cs", "class S {}"), ("task/Directory.Build.props", "<Project />"), ("notes.log", "x")));
        Assert.NotEqual(0, exit);
        Assert.Contains("is refused", output, StringComparison.Ordinal);
        Assert.Contains("Rename or move the file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_exhausts_the_compilers_memory_is_one_line_and_exits_one()
    {
        var dir = Folder(("task/Agent.cs", File.ReadAllText(Path.Combine(Some.CompileBombsDir, "R14_ConstStringDoubling.cs"))));
        var (exit, output) = await Check(dir);
        Assert.Equal(1, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("rejected: (agent): HA0103: Compiling needed more than the compiler's memory limit (1024 MiB);", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_entry_point_is_named()
    {
        var dir = Folder(("task/Solver.cs", "namespace A;\n\npublic static class Solver\n{\n    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(\"[x]\");\n}\n"));
        var (exit, output) = await Check(dir);
        Assert.Equal(1, exit);
        Assert.Contains("(agent): HA0011: No 'ModifySelf' entry point was found. Declare 'public static Task ModifySelf(MetaContext)' in a public class.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("HA0010", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Syntax_error_is_reported_with_its_position()
    {
        var dir = Folder(("task/Broken.cs", "namespace A;\n\npublic static class Broken\n{\n    public static int F( => 1;\n}\n"));
        var (exit, output) = await Check(dir);
        Assert.Equal(1, exit);
        Assert.Matches(@"task/Broken\.cs\(5,\d+\): CS\d{4}: ", output);
    }

    [Fact]
    public async Task Empty_folder_says_what_is_missing()
    {
        var (exit, output) = await Check(Some.TempDir());
        Assert.Equal(2, exit);
        Assert.Contains("error:", output, StringComparison.Ordinal);
        Assert.Contains("no .cs file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nonexistent_folder_says_so()
    {
        var missing = Path.Combine(Some.TempDir(), "not-here");
        var (exit, output) = await Check(missing);
        Assert.Equal(2, exit);
        Assert.Contains($"The agent folder '{missing}' does not exist", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Markup_in_user_text_is_printed_literally()
    {
        var dir = Folder(("task/[red]x[/].cs", "namespace A;\n\npublic static class B { public static int F() => [1, 2]; }\n"));
        var (exit, output) = await Check(dir);
        Assert.Equal(2, exit);
        Assert.Contains("'task/[red]x[/].cs' is refused: the character '[' is not allowed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_policy_is_a_clear_error()
    {
        var policy = Path.Combine(Some.TempDir(), "policy.txt");
        File.WriteAllText(policy, "permit everything\n");
        var (exit, output) = await Check(Some.BenignDir, "--policy", policy);
        Assert.Equal(2, exit);
        Assert.Contains("malformed lines", output, StringComparison.Ordinal);
        Assert.Contains("line 1", output, StringComparison.Ordinal);
    }
}
