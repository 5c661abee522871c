using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Engine.Tests.Support;
using Hyperagents.Hosting.Sessions;

namespace Hyperagents.Engine.Tests;

/// <summary>The workspace (what ModifySelf writes), the compiler (what is compiled, also from a folder on disk) and the
/// archive (what is committed) apply one path rule, <see cref="AgentFilePaths"/>: a path one of them accepts, none
/// refuses. One row per class of name the rule exists for.</summary>
public sealed class PathRuleTests
{
    private const string Bad = "bad-path";
    private const string Protected = "protected-path";

    /// <summary>Path, the workspace's refusal code, and the class of name it stands for.</summary>
    public static TheoryData<string, string, string> Refused => new()
    {
        { "", Bad, "empty" },
        { "/etc/passwd", Bad, "absolute" },
        { "C:/agent/A.cs", Bad, "drive" },
        { "task/", Bad, "trailing slash" },
        { "task//A.cs", Bad, "empty name" },
        { "../outside.cs", Bad, "leaves the folder" },
        { "task/../../x.cs", Bad, "leaves the folder" },
        { "task/./A.cs", Bad, "dot name" },
        { "task\\A.cs", Bad, "backslash" },
        { ".git/config", Protected, "git folder" },
        { "task/.GIT/hooks/pre-commit.txt", Protected, "git folder in any case, any depth" },
        { "GIT~1/config", Protected, "8.3 short name of .git" },
        { "git~2/HEAD.txt", Protected, "8.3 short name of .git" },
        { ".git\u200C/config", Protected, ".git with an ignorable code point (HFS+)" },
        { ".g\uFEFFit/config", Protected, ".git with a zero-width no-break space" },
        { ".git./config", Protected, ".git with a trailing dot (NTFS)" },
        { ".git /config", Protected, ".git with a trailing space (NTFS)" },
        { ".git::$INDEX_ALLOCATION/config", Protected, ".git with an NTFS stream" },
        { ".gitmodules", Protected, "git configuration" },
        { "task/.gitattributes", Protected, "git configuration" },
        { "task/A.cs.", Bad, "trailing dot" },
        { "task/A.cs ", Bad, "trailing space" },
        { " notes.md", Bad, "leading space" },
        { "task/ /A.cs", Bad, "blank name" },
        { "task/My Notes.md", Bad, "space inside" },
        { "task/A\u200B.cs", Bad, "zero-width space" },
        { "task/A\u00AD.cs", Bad, "soft hyphen" },
        { "task/A\u0001.cs", Bad, "control character" },
        { "task/A\u0085.cs", Bad, "C1 control character" },
        { "task/\u202Esc.A.md", Bad, "bidi override" },
        { "task\u2215A.cs", Bad, "division slash" },
        { "task\uFF0FA.cs", Bad, "fullwidth slash" },
        { "task/R\u00E9sum\u00E9.md", Bad, "non-ASCII letter" },
        { "task/A:stream.cs", Bad, "colon" },
        { "task/-rf.md", Bad, "leading dash" },
        { "task/.hidden.cs", Bad, "leading dot" },
        { "CON.cs", Bad, "device name" },
        { "task/nul.txt", Bad, "device name with extension" },
        { "aux/A.cs", Bad, "device name as folder" },
        { "task/Com1.json", Bad, "device name" },
        { "lpt9.md", Bad, "device name" },
        { "prn.tar.md", Bad, "device name with two extensions" },
        { "task/bin/A.cs", Bad, "build output" },
        { "Obj/x.json", Bad, "build output" },
        { LongPath(AgentFilePaths.MaxLength + 1), Bad, "too long" },
        { "a/b/c/d/e/f/g/h/i.cs", Bad, "too deep" },
        { "task/" + new string('a', AgentFilePaths.MaxSegmentLength - 2) + ".cs", Bad, "name too long" },
        { "README", Bad, "no extension" },
        { "run.sh", Bad, "script" },
        { "task/A.dll", Bad, "binary" },
        { "ci.yml", Bad, "CI configuration" },
        { "task/A.cs.exe", Bad, "binary with a harmless-looking stem" },
        { "Directory.Build.props", Protected, "MSBuild import" },
        { "task/Directory.Build.targets", Protected, "MSBuild import in a sub-folder" },
        { "meta/Directory.Packages.props", Protected, "central package versions" },
        { "task/deep/Agent.csproj", Protected, "project file" },
        { "x/Build.targets", Protected, "MSBuild targets" },
        { "task/Directory.Build.cs", Protected, "MSBuild import look-alike with an allowed extension" },
        { "nuget.config", Protected, "package sources" },
        { "task/NuGet.Config", Protected, "package sources" },
        { "global.json", Protected, "SDK selection" },
        { "task/global.json", Protected, "SDK selection in a sub-folder" },
        { "Properties/launchSettings.json", Protected, "launch profiles" },
        { "dotnet-tools.json", Protected, "tool manifest" },
        { "task/A.runtimeconfig.json", Protected, "runtime configuration (startup hooks)" },
        { "package.json", Protected, "npm scripts" },
        { "CMakeLists.txt", Protected, "CMake" },
        { ".editorconfig", Protected, "analyzer configuration" },
        { "meta/.globalconfig", Protected, "analyzer configuration" },
        { "task/rules.globalconfig", Protected, "analyzer configuration" },
        { ".hyperagent/provenance.json", Protected, "the archive's folder" },
        { "eval/score.txt", Protected, "evaluator" },
        { "task/eval/x.cs", Protected, "evaluator in a sub-folder" },
        { "task/Evaluators/x.cs", Protected, "evaluators in any case" },
        { "meta/data/points.json", Protected, "data" },
        { "policy/gate.txt", Protected, "policy" },
        { "task/sandbox/x.cs", Protected, "sandbox" },
        { "budget.json", Protected, "budget" },
        { "task/budgets/x.md", Protected, "budgets" },
        { "\uFF45\uFF56\uFF41\uFF4C/x.cs", Protected, "fullwidth eval" },
        { "task/\u0435val/x.cs", Protected, "Cyrillic look-alike eval" },
        { "task\u2215eval\u2215x.cs", Protected, "division slashes around eval" },
        { "task/\U0001D41D\U0001D41A\U0001D42D\U0001D41A/x.cs", Protected, "mathematical bold data" },
        { "EVALUA~1/x.cs", Protected, "8.3 short name of evaluators" },
        { "task/po\u200Dlicy/x.md", Protected, "policy with a zero-width joiner" },
        { "Directory.Build.pr\u043Eps", Protected, "Cyrillic look-alike in a build file" },
    };

    public static TheoryData<string> Accepted => new()
    {
        "task/Solver.cs", "meta/prompts/system.md", "README.md", "task/deep/er/File.Name.cs", "docs/notes.txt", "task/_private.cs",
        "task/A-b_c.json", "x.jsonl", "d.csv", "t.tsv", "meta/system.prompt", "task/B.CS", "task/Evaluator.cs", "task/Budgeting.cs",
        "task/Database.cs", "task/Policies.md", "console.md", "COM10.md", "task/Condition.cs", "meta/notes.v2.md",
        LongPath(AgentFilePaths.MaxLength),
        "a/b/c/d/e/f/g/h.cs",
        "task/" + new string('a', AgentFilePaths.MaxSegmentLength - 3) + ".cs",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Every_layer_refuses_each_class_of_bad_name(string path, string code, string why)
    {
        Assert.NotNull(AgentFilePaths.Problem(path));
        var workspace = new AgentWorkspace(new Dictionary<string, string>(), new WorkspaceLimits());
        var refusal = workspace.Write(path, "x");
        Assert.True(code == refusal?.Code, $"{why}: {refusal?.Code} {refusal?.Message}");
        Assert.Equal(code == Protected ? 1 : 0, workspace.ProtectedPathAttempts.Count);
        Assert.Empty(workspace.Snapshot());
        var archive = Assert.Throws<ArchiveException>(() => AgentPaths.Validate([path]));
        Assert.Contains("refused", archive.Message, StringComparison.Ordinal);
        var compiler = Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(new Dictionary<string, string> { ["task/A.cs"] = "class A {}", [path] = "x" }));
        Assert.Contains("refused", compiler.Message, StringComparison.Ordinal);
        Assert.All(new[] { refusal!.Message, archive.Message, compiler.Message }, m => Assert.DoesNotContain(m, c => c < ' ' || c > '~'));
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Every_layer_accepts_a_good_path(string path)
    {
        Assert.Null(AgentFilePaths.Problem(path));
        Assert.Null(new AgentWorkspace(new Dictionary<string, string>(), new WorkspaceLimits()).Write(path, "x"));
        AgentPaths.Validate([path]);
        Assert.Contains(path, AgentSource.FromFiles(new Dictionary<string, string> { ["task/A.cs"] = "class A {}", [path] = "x" }).Files.Keys);
    }

    [Theory]
    [InlineData("task/A cs.md")]
    [InlineData("README")]
    [InlineData("CON.cs")]
    [InlineData("task/A\u200B.cs")]
    public void A_refusal_of_the_form_says_exactly_what_is_allowed(string path)
    {
        var problem = AgentFilePaths.Problem(path);
        Assert.EndsWith(AgentFilePaths.Allowed, problem, StringComparison.Ordinal);
        Assert.Contains("ASCII letters, digits, '_', '-' and '.'", problem, StringComparison.Ordinal);
        Assert.Contains(".cs, .md, .txt, .json, .jsonl, .csv, .tsv, .prompt", problem, StringComparison.Ordinal);
        Assert.Contains(AgentFilePaths.Allowed, new AgentWorkspace(new Dictionary<string, string>(), new WorkspaceLimits()).Write(path, "x")!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("task/A.cs", "task/a.cs")]
    [InlineData("task/A.cs", "Task/B.cs")]
    [InlineData("lib.md", "lib.md/a.cs")]
    [InlineData("lib.md/a.cs", "LIB.md")]
    public void Every_layer_refuses_a_file_set_no_file_system_can_hold(string first, string second)
    {
        Assert.Null(AgentFilePaths.Problem(first));
        Assert.Null(AgentFilePaths.Problem(second));
        Assert.NotNull(AgentFilePaths.SetProblem([first, second]));
        var workspace = new AgentWorkspace(new Dictionary<string, string> { [first] = "x" }, new WorkspaceLimits());
        Assert.Equal(Bad, workspace.Write(second, "y")?.Code);
        Assert.Equal([first], workspace.Snapshot().Keys);
        Assert.Throws<ArchiveException>(() => AgentPaths.Validate([first, second]));
        Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(new Dictionary<string, string> { ["task/Z.cs"] = "class Z {}", [first] = "x", [second] = "y" }));
    }

    [Theory]
    [InlineData("GIT~1/config.cs")]
    [InlineData(".git\u200C/config")]
    [InlineData("task/A.cs.")]
    [InlineData("task/A\u200B.cs")]
    [InlineData("task\u2215A.cs")]
    [InlineData("task/a\\b.cs")]
    [InlineData("CON.cs")]
    [InlineData("Directory.Build.props")]
    [InlineData("task/eval/x.cs")]
    [InlineData("run.sh")]
    [InlineData("task/.gitattributes")]
    public void Reading_an_agent_folder_from_disk_applies_the_same_rule(string path)
    {
        var folder = TestRuns.TempFolder("disk-rule");
        Write(folder, "task/A.cs", "class A {}");
        Write(folder, path, "x");
        var e = Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(folder));
        Assert.Contains("refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_checkout_from_disk_skips_version_control_build_output_and_the_archives_folder_only()
    {
        var folder = TestRuns.TempFolder("checkout");
        foreach (var path in new[] { "task/A.cs", ".hyperagent/provenance.json", ".git/HEAD", "task/.GIT/config", "task/bin/A.dll", "Obj/x.json", "meta/B.cs" })
        {
            Write(folder, path, path.EndsWith(".cs", StringComparison.Ordinal) ? "class " + Path.GetFileNameWithoutExtension(path) + " {}" : "x");
        }

        Assert.Equal(["meta/B.cs", "task/A.cs"], AgentSource.FromDirectory(folder).Files.Keys);

        // In memory nothing is skipped or rewritten: the same names are refused, as the workspace and the archive refuse them.
        foreach (var path in new[] { ".hyperagent/provenance.json", ".git/HEAD", "task/bin/A.cs", "meta\\B.cs" })
        {
            Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(new Dictionary<string, string> { ["task/A.cs"] = "class A {}", [path] = "x" }));
        }
    }

    [Fact]
    public void The_seed_agents_follow_the_rule()
    {
        var seed = AgentSource.FromDirectory(Path.Combine(AppContext.BaseDirectory, "seeds", "default"));
        Assert.Contains("meta/prompts/system.md", seed.Files.Keys);
        Assert.All(seed.Files.Keys, p => Assert.Null(AgentFilePaths.Problem(p)));
        AgentPaths.Validate(seed.Files.Keys);
    }

    /// <summary>A path of exactly <paramref name="length"/> characters made of names that are each short enough.</summary>
    private static string LongPath(int length)
    {
        var folders = string.Join('/', Enumerable.Repeat(new string('a', 50), 3)) + "/";
        return folders + new string('b', length - folders.Length - 3) + ".cs";
    }

    private static void Write(string folder, string path, string content)
    {
        var full = Path.Combine(folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }
}
