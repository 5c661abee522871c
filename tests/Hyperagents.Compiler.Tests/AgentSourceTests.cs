using Xunit;

namespace Hyperagents.Compiler.Tests;

public sealed class AgentSourceTests
{
    [Fact]
    public void Loads_a_folder_with_relative_forward_slash_paths_and_ignores_bin_and_obj()
    {
        var dir = Some.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "task"));
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        Directory.CreateDirectory(Path.Combine(dir, "task", "obj"));
        Directory.CreateDirectory(Path.Combine(dir, ".git"));
        File.WriteAllBytes(Path.Combine(dir, ".git", "index"), [0xFF, 0x00]);
        File.WriteAllText(Path.Combine(dir, "task", "A.cs"), "class A {}");
        File.WriteAllText(Path.Combine(dir, "notes.md"), "hi");
        File.WriteAllBytes(Path.Combine(dir, "bin", "x.dll"), [0xFF, 0xFE, 0x00]);
        File.WriteAllText(Path.Combine(dir, "task", "obj", "gen.cs"), "class G {}");

        var source = AgentSource.FromDirectory(dir);
        Assert.Equal(["notes.md", "task/A.cs"], source.Files.Keys);
        Assert.Equal(FileKind.Task, FileKinds.Of("task/A.cs"));
        Assert.Equal(FileKind.Meta, FileKinds.Of("meta/prompt.md"));
        Assert.Equal(FileKind.Other, FileKinds.Of("notes.md"));
    }

    [Fact]
    public void Content_hash_depends_on_paths_and_contents_only()
    {
        var a = AgentSource.FromFiles(new Dictionary<string, string> { ["a.cs"] = "x", ["b.cs"] = "y" });
        var b = AgentSource.FromFiles(new Dictionary<string, string> { ["b.cs"] = "y", ["a.cs"] = "x" });
        var c = AgentSource.FromFiles(new Dictionary<string, string> { ["a.cs"] = "xy", ["b.cs"] = "" });
        Assert.Equal(a.ContentHash, b.ContentHash);
        Assert.NotEqual(a.ContentHash, c.ContentHash);
        Assert.Matches("^[0-9a-f]{64}$", a.ContentHash);
    }

    [Fact]
    public void Missing_folder_names_the_folder_and_the_fix()
    {
        var error = Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory("/no/such/agent"));
        Assert.Contains("/no/such/agent", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_cs_files_is_refused()
    {
        var dir = Some.TempDir();
        File.WriteAllText(Path.Combine(dir, "readme.md"), "no code");
        var error = Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(dir));
        Assert.Contains("no .cs file", error.Message, StringComparison.Ordinal);
        Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(Some.TempDir()));
    }

    [Fact]
    public void Non_utf8_files_are_refused_by_name()
    {
        var dir = Some.TempDir();
        File.WriteAllText(Path.Combine(dir, "A.cs"), "class A {}");
        File.WriteAllBytes(Path.Combine(dir, "data.txt"), [0x41, 0xC3, 0x28]);
        var error = Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(dir));
        Assert.Contains("'data.txt' is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_and_count_caps_are_enforced()
    {
        var dir = Some.TempDir();
        File.WriteAllText(Path.Combine(dir, "A.cs"), new string('x', 300 * 1024));
        Assert.Contains("per-file cap", Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(dir)).Message, StringComparison.Ordinal);

        var many = Enumerable.Range(0, 5).ToDictionary(i => $"f{i}.cs", i => "class C" + i + " {}");
        var limits = new AgentSourceLimits { MaxFiles = 4 };
        Assert.Contains("more than the cap of 4", Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(many, limits)).Message, StringComparison.Ordinal);

        var big = Enumerable.Range(0, 3).ToDictionary(i => $"f{i}.cs", _ => new string('y', 1000));
        Assert.Contains("bytes", Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(big, new AgentSourceLimits { MaxTotalBytes = 2500 })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Symbolic_links_are_refused()
    {
        var dir = Some.TempDir();
        File.WriteAllText(Path.Combine(dir, "A.cs"), "class A {}");
        var outside = Path.Combine(Some.TempDir(), "secret.txt");
        File.WriteAllText(outside, "secret");
        File.CreateSymbolicLink(Path.Combine(dir, "link.txt"), outside);
        var error = Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(dir));
        Assert.Contains("'link.txt' is a symbolic link", error.Message, StringComparison.Ordinal);

        var linkedDir = Some.TempDir();
        File.WriteAllText(Path.Combine(linkedDir, "A.cs"), "class A {}");
        Directory.CreateSymbolicLink(Path.Combine(linkedDir, "up"), Path.GetDirectoryName(outside)!);
        Assert.Throws<AgentSourceException>(() => AgentSource.FromDirectory(linkedDir));
    }

    [Theory]
    [InlineData("../escape.cs")]
    [InlineData("/etc/passwd")]
    [InlineData("task/../../x.cs")]
    [InlineData("task//x.cs")]
    [InlineData("C:/x.cs")]
    public void Paths_that_could_leave_the_folder_are_refused(string path)
    {
        var error = Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(new Dictionary<string, string> { [path] = "class A {}" }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backslashes_in_memory_are_refused_not_rewritten()
    {
        // Only a folder read from disk turns the OS separator into '/'; in-memory paths are already hyperagent paths.
        var e = Assert.Throws<AgentSourceException>(() => AgentSource.FromFiles(new Dictionary<string, string> { ["task\\A.cs"] = "class A {}" }));
        Assert.Contains("the character '\\' is not allowed", e.Message, StringComparison.Ordinal);
    }
}
