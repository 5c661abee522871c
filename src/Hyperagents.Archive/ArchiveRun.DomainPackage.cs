using LibGit2Sharp;

namespace Hyperagents.Archive;

/// <summary>The run's domain package, archived in the root commit: replay, audit and verify use this copy.</summary>
public sealed partial class ArchiveRun
{
    /// <summary>The folder of the root commit that holds domain packages, one sub-folder per package hash.</summary>
    public const string DomainPackageFolder = AgentPaths.Reserved + "/domain";

    /// <summary>The files of the run's domain package as archived, or <see langword="null"/> when the run uses a
    /// built-in domain.</summary>
    /// <exception cref="ArchiveException">The manifest names a package the root commit does not hold.</exception>
    public IReadOnlyDictionary<string, byte[]>? ReadDomainPackage()
    {
        var manifest = ReadManifest();
        if (manifest.DomainPackage is not { } hash)
        {
            return null;
        }

        lock (_gate)
        {
            var root = _repo.Lookup<Commit>(ManifestId).Tree;
            if (root[$"{DomainPackageFolder}/{FolderOf(hash)}"]?.Target is not Tree tree)
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

    private static void AddDomainPackage(Repository repo, TreeDefinition root, RunManifest manifest, IReadOnlyDictionary<string, byte[]>? files)
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
            root.Add($"{DomainPackageFolder}/{FolderOf(hash)}/{path}", blob, Mode.NonExecutableFile);
        }
    }
}
