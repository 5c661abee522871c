using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Hosting.Sessions;

namespace Hyperagents.Engine.Tests;

/// <summary>The workspace (what ModifySelf writes), the compiler (what is compiled) and the archive (what is committed)
/// apply one path rule, <see cref="AgentFilePaths"/>: a path one of them accepts, none refuses.</summary>
public sealed class PathRuleTests
{
    public static TheoryData<string> Refused => new()
    {
        "", "/etc/passwd", "task/", "C:/agent/A.cs", "../outside.cs", "task/../../x.cs", "task/./A.cs",
        "task//A.cs", "task/A\u0001.cs", "task/A.cs ", " notes.md", "task/ /A.cs", new string('a', AgentFilePaths.MaxLength + 1),
    };

    public static TheoryData<string> Accepted => new()
    {
        "task/Solver.cs", "meta/prompts/system.md", "README.md", "task/deep/er/File.Name.cs", "docs/notes.txt", "task/.hidden.cs",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Every_layer_refuses_a_bad_path(string path)
    {
        Assert.NotNull(AgentFilePaths.Problem(path));
        Assert.Equal("bad-path", new AgentWorkspace(new Dictionary<string, string>(), new WorkspaceLimits()).Write(path, "x")?.Code);
        var archive = Assert.Throws<ArchiveException>(() => AgentPaths.Validate([path]));
        Assert.Contains("refused", archive.Message, StringComparison.Ordinal);
        var compiler = Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(new Dictionary<string, string> { ["task/A.cs"] = "class A {}", [path] = "x" }));
        Assert.Contains("refused", compiler.Message, StringComparison.Ordinal);
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

    [Fact]
    public void The_archives_own_folder_is_protected_in_the_workspace_refused_by_the_archive_and_skipped_from_a_checkout()
    {
        // The compiler reads folders from disk: it skips '.git/', 'bin/', 'obj/' and '.hyperagent/' rather than
        // refusing them, and turns Windows separators into '/'; the workspace and the archive refuse them.
        var workspace = new AgentWorkspace(new Dictionary<string, string>(), new WorkspaceLimits());
        Assert.Equal("protected-path", workspace.Write(".hyperagent/provenance.json", "{}")?.Code);
        Assert.Equal([".hyperagent/provenance.json"], workspace.ProtectedPathAttempts);
        Assert.Throws<ArchiveException>(() => AgentPaths.Validate([".hyperagent/provenance.json"]));
        var source = AgentSource.FromFiles(new Dictionary<string, string> { ["task/A.cs"] = "class A {}", [".hyperagent/provenance.json"] = "{}", [".git/HEAD"] = "x", ["task/.GIT/config"] = "x", ["task/bin/A.dll"] = "x", ["Obj/x.json"] = "{}", ["meta\\B.cs"] = "class B {}" });
        Assert.Equal(["meta/B.cs", "task/A.cs"], source.Files.Keys);
        Assert.Equal("class B2 {}", source.With("meta\\B.cs", "class B2 {}").Files["meta/B.cs"]);
        Assert.Equal("bad-path", workspace.Write("meta\\B.cs", "x")?.Code);
        foreach (var skipped in new[] { "task/.GIT/config", "task/bin/A.cs", "Obj/x.json" })
        {
            Assert.Equal("bad-path", workspace.Write(skipped, "x")?.Code);
            Assert.Throws<ArchiveException>(() => AgentPaths.Validate([skipped]));
        }
    }
}
