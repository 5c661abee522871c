using System.Security.Cryptography;
using System.Text;
using LibGit2Sharp;

namespace Hyperagents.Archive;

/// <summary>The git objects of a run as bytes and paths: tree and blob ids hashed in memory, raw trees, signed commits.</summary>
internal static class GitObjects
{
    internal const string ProvenancePath = AgentPaths.Reserved + "/provenance.json";
    internal const string TranscriptPath = AgentPaths.Reserved + "/transcript.jsonl";
    internal const string ManifestPath = AgentPaths.Reserved + "/manifest.json";

    /// <summary>Writes a commit, signed (an SSH signature in its <c>gpgsig</c> header) when there is a signer.</summary>
    internal static Commit WriteCommit(Repository repo, CommitSigner? signer, Signature sig, string message, Tree tree, Commit[] parents)
    {
        if (signer is null)
        {
            return repo.ObjectDatabase.CreateCommit(sig, sig, message, tree, parents, prettifyMessage: false);
        }

        var offset = sig.When.Offset;
        var zone = $"{(offset < TimeSpan.Zero ? '-' : '+')}{Math.Abs(offset.Hours):00}{Math.Abs(offset.Minutes):00}";
        var person = $"{sig.Name} <{sig.Email}> {sig.When.ToUnixTimeSeconds()} {zone}";
        var content = new StringBuilder().Append("tree ").Append(tree.Sha).Append('\n');
        foreach (var parent in parents)
        {
            content.Append("parent ").Append(parent.Sha).Append('\n');
        }

        content.Append("author ").Append(person).Append('\n').Append("committer ").Append(person).Append("\n\n").Append(message);
        var text = content.ToString();
        return repo.Lookup<Commit>(repo.ObjectDatabase.CreateCommitWithSignature(text, signer.Sign(text)));
    }

    internal static List<TreeEntryData> EntriesOf(Tree tree) =>
        tree.Select(e => new TreeEntryData(e.Name, e.Mode, e.Target.Id)).ToList();

    // git's own 2/38 fanout, so plain 'git notes' and 'git log --notes' read them.
    internal static string NotePath(string id) => id[..2] + "/" + id[2..];

    internal static string? ReadText(Tree tree, string path) =>
        tree[path]?.Target is Blob blob ? blob.GetContentText(Encoding.UTF8) : null;

    internal static Dictionary<string, (ObjectId Id, Mode Mode)> ReadAgentFiles(Tree tree)
    {
        var files = new Dictionary<string, (ObjectId, Mode)>(StringComparer.Ordinal);
        Walk(tree, "");
        return files;

        void Walk(Tree t, string prefix)
        {
            foreach (var entry in t)
            {
                if (prefix.Length == 0 && entry.Name == AgentPaths.Reserved)
                {
                    continue;
                }

                if (entry.TargetType == TreeEntryTargetType.Tree)
                {
                    Walk((Tree)entry.Target, prefix + entry.Name + "/");
                }
                else
                {
                    files[prefix + entry.Name] = (entry.Target.Id, entry.Mode);
                }
            }
        }
    }

    internal static ObjectId BlobId(byte[] content)
    {
        var header = Encoding.ASCII.GetBytes($"blob {content.Length}\0");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha.AppendData(header);
        sha.AppendData(content);
        return new ObjectId(sha.GetHashAndReset());
    }

    internal static int CountLines(string text) =>
        text.Split('\n').Count(line => line.Trim().Length > 0);

    internal static Dictionary<string, double> ScoresOf(Evaluation evaluation) =>
        evaluation.Splits.ToDictionary(s => s.Key, s => s.Value.Score, StringComparer.Ordinal);

    /// <summary>Each split's score from the latest evaluation that holds it.</summary>
    internal static Dictionary<string, double> LatestScores(IReadOnlyList<Evaluation> evaluations) =>
        ScoreStatistics.LatestSplits(evaluations).ToDictionary(s => s.Key, s => s.Value.Split.Score, StringComparer.Ordinal);

    internal static string FormatScores(IReadOnlyDictionary<string, double> scores) =>
        scores.Count == 0 ? "-" : string.Join(" ", scores.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value:0.###}"));

    internal static List<ChangedFile> DiffFiles(Dictionary<string, (ObjectId Id, Mode Mode)> parent, Dictionary<string, (ObjectId Id, Mode Mode)> child)
    {
        var changes = new List<ChangedFile>();
        foreach (var (path, file) in child)
        {
            if (!parent.TryGetValue(path, out var old))
            {
                changes.Add(new(path, "added", FileKinds.Of(path)));
            }
            else if (old != file)
            {
                changes.Add(new(path, "modified", FileKinds.Of(path)));
            }
        }

        changes.AddRange(parent.Keys.Where(p => !child.ContainsKey(p)).Select(p => new ChangedFile(p, "deleted", FileKinds.Of(p))));
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    /// <summary>The id of the tree made of <paramref name="tree"/>'s entries without <c>.hyperagent</c>, hashed in memory.</summary>
    internal static string AgentTreeId(Tree tree) =>
        HashTree(tree.Where(e => e.Name != AgentPaths.Reserved).Select(e => new TreeEntryData(e.Name, e.Mode, e.Target.Id)));

    /// <summary>The git id of a tree with these entries, computed without writing it.</summary>
    internal static string HashTree(IEnumerable<TreeEntryData> entries)
    {
        var body = TreeBytes(entries);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha.AppendData(Encoding.ASCII.GetBytes($"tree {body.Length}\0"));
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The body of a git tree object with these entries, in git's order.</summary>
    internal static byte[] TreeBytes(IEnumerable<TreeEntryData> entries)
    {
        using var body = new MemoryStream();
        foreach (var entry in entries.OrderBy(e => e.SortKey, StringComparer.Ordinal))
        {
            var mode = entry.Mode switch
            {
                Mode.Directory => "40000",
                Mode.NonExecutableFile => "100644",
                Mode.ExecutableFile => "100755",
                Mode.SymbolicLink => "120000",
                Mode.GitLink => "160000",
                _ => Convert.ToString((int)entry.Mode, 8),
            };
            body.Write(Encoding.UTF8.GetBytes($"{mode} {entry.Name}\0"));
            body.Write(entry.Id.RawId);
        }

        return body.ToArray();
    }

    /// <summary>One entry of a git tree; git sorts a folder as if its name ended in '/'.</summary>
    internal readonly record struct TreeEntryData(string Name, Mode Mode, ObjectId Id)
    {
        // Ordinal string order equals git's byte order for UTF-8 names only below U+10000; fine for agent paths.
        public string SortKey => Mode == Mode.Directory ? Name + "/" : Name;
    }
}
