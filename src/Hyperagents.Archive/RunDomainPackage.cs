using LibGit2Sharp;

namespace Hyperagents.Archive;

/// <summary>The run's domain package, archived in the root commit: replay, audit and verify use this copy.</summary>
internal static class RunDomainPackage
{
    /// <summary>The files of the run's domain package as archived, or <see langword="null"/> for a built-in domain.</summary>
    public static IReadOnlyDictionary<string, byte[]>? Read(RunState state)
    {
        var manifest = state.ReadManifest();
        if (manifest.DomainPackage is not { } hash)
        {
            return null;
        }

        lock (state.Gate)
        {
            var root = state.Repo.Lookup<Commit>(state.RequireManifestId()).Tree;
            if (root[$"{ArchiveRun.DomainPackageFolder}/{FolderOf(hash)}"]?.Target is not Tree tree)
            {
                throw new ArchiveException($"The run's manifest names domain package {hash}, which its root commit does not hold; run 'hyperagents verify'.");
            }

            var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            Collect(tree, "");
            return files;

            void Collect(Tree folder, string prefix)
            {
                foreach (var entry in folder)
                {
                    switch (entry.Target)
                    {
                        case Tree sub:
                            Collect(sub, prefix + entry.Name + "/");
                            break;
                        case Blob blob:
                            using (var stream = blob.GetContentStream())
                            using (var copy = new MemoryStream())
                            {
                                stream.CopyTo(copy);
                                files[prefix + entry.Name] = copy.ToArray();
                            }

                            break;
                    }
                }
            }
        }
    }

    private static string FolderOf(string hash) => hash.Replace(':', '-');

    public static void Add(Repository repo, TreeDefinition root, RunManifest manifest, IReadOnlyDictionary<string, byte[]>? files)
    {
        if (files is null)
        {
            return;
        }

        if (manifest.DomainPackage is not { } hash)
        {
            throw new ArgumentException("A domain package needs its hash in RunManifest.DomainPackage.", nameof(manifest));
        }

        foreach (var (path, bytes) in files)
        {
            var blob = repo.ObjectDatabase.Write<Blob>(bytes);
            root.Add($"{ArchiveRun.DomainPackageFolder}/{FolderOf(hash)}/{path}", blob, Mode.NonExecutableFile);
        }
    }
}
