using System.Text.RegularExpressions;

namespace Hyperagents.Cli.Tests;

/// <summary>The docs work from a clone: every link and every repository path they name exists in the repository, and none
/// points outside it or names a folder of the machine the docs were written on.</summary>
public sealed partial class DocsTests
{
    public static TheoryData<string> Docs()
    {
        var data = new TheoryData<string>();
        foreach (var doc in TrackedMarkdown())
        {
            data.Add(doc);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Docs))]
    public void Every_link_and_repository_path_in_the_doc_exists_in_the_repository(string doc)
    {
        var root = CliProcess.RepoRoot;
        var text = File.ReadAllText(Path.Combine(root, doc));
        var folder = Path.GetDirectoryName(Path.Combine(root, doc))!;
        var missing = new List<string>();
        foreach (Match link in MarkdownLink().Matches(text))
        {
            var target = link.Groups[1].Value.Split('#')[0];
            if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var full = Path.GetFullPath(Path.Combine(folder, target));
            if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !(File.Exists(full) || Directory.Exists(full)))
            {
                missing.Add($"link {target}");
            }
        }

        foreach (Match path in RepositoryPath().Matches(text))
        {
            var target = path.Groups[1].Value.TrimEnd('/');
            if (!File.Exists(Path.Combine(root, target)) && !Directory.Exists(Path.Combine(root, target)))
            {
                missing.Add($"path `{target}`");
            }
        }

        Assert.True(missing.Count == 0, $"{doc} names what the repository does not have: {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Docs))]
    public void The_doc_names_no_folder_outside_the_repository(string doc)
    {
        var text = File.ReadAllText(Path.Combine(CliProcess.RepoRoot, doc));
        var found = MachinePath().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.True(found.Count == 0, $"{doc} names {string.Join(", ", found)}, which a clone does not have");
    }

    private static IEnumerable<string> TrackedMarkdown()
    {
        var files = GitProcess.Run(CliProcess.RepoRoot, "ls-files", "--cached", "--others", "--exclude-standard", "*.md").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return files.Where(f => File.Exists(Path.Combine(CliProcess.RepoRoot, f))).Order(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    /// <summary>A path in backticks that starts at one of the repository's top folders, without placeholders or globs.</summary>
    [GeneratedRegex(@"`((?:docs|src|tests|seeds|sandbox|bench|archive|\.ci)/[A-Za-z0-9_.\-/]*)`")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"\.\./shared\b|(?<![\w.~])/(?:work|root|home/[a-z]+|Users/[A-Za-z]+)/[\w.\-/]+")]
    private static partial Regex MachinePath();
}
