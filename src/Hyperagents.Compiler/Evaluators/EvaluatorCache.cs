using System.Security.Cryptography;
using System.Text;
using Hyperagents.Evaluators;

namespace Hyperagents.Compiler;

/// <summary>What the evaluator cache did when a package's evaluator loaded.</summary>
public enum EvaluatorCacheResult
{
    /// <summary>A verified compiled evaluator was loaded; nothing was compiled.</summary>
    Hit,

    /// <summary>No entry existed; the evaluator was compiled and stored.</summary>
    Miss,

    /// <summary>An entry existed but failed verification (corrupted, truncated, tampered with, or refused by the IL scan);
    /// it was deleted, never loaded, and the evaluator was compiled again.</summary>
    Rebuilt,

    /// <summary>No cache folder: the evaluator was compiled in memory.</summary>
    Disabled,
}

/// <summary>The on-disk cache of compiled package evaluators, one file per key, in
/// <c>$XDG_CACHE_HOME/hyperagents/evaluators</c> (else <c>~/.cache/hyperagents/evaluators</c>, mode 0700).</summary>
/// <remarks>
/// The key covers everything the compiled image depends on: the hash of the package's evaluator sources (not its data,
/// which the evaluator reads at run time, so packages that differ only in data — every generated dataset package —
/// share one entry), the evaluator policy's hash,
/// the Roslyn and runtime versions and the identity of the evaluator API and compiler assemblies; any change misses.
/// An entry is <c>magic · SHA-256(key · image) · image</c>: it is used only when the digest matches the bytes read (read
/// once into memory and loaded from that same buffer) and the image passes the evaluator policy's IL scan again, so a
/// corrupted entry, one copied under another key or one edited to call what the policy refuses is deleted and rebuilt,
/// never loaded. Like the sandbox's module cache, this protects against corruption and stale entries, not against an
/// attacker who can already write the user's cache folder (who could also replace the host binaries); the IL scan still
/// holds such an image to the policy.
/// </remarks>
internal static class EvaluatorCache
{
    private const int MaxEntries = 64;
    private static readonly byte[] Magic = "HAEVAL1\n"u8.ToArray();

    /// <summary>The default cache folder.</summary>
    public static string DefaultFolder
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return Path.Combine(root, "hyperagents", "evaluators");
        }
    }

    /// <summary>The cache key of a package's evaluator under a policy, as 64 hex digits.</summary>
    /// <param name="sourcesHash">The evaluator sources' hash (<see cref="SourcesHash"/>).</param>
    /// <param name="policyHash">The evaluator policy's hash.</param>
    public static string Key(string sourcesHash, string policyHash)
    {
        var parts = string.Join('\n',
            "hyperagents-evaluator-cache/2",
            sourcesHash,
            policyHash,
            typeof(Microsoft.CodeAnalysis.CSharp.CSharpCompilation).Assembly.GetName().Version?.ToString(),
            Environment.Version.ToString(),
            typeof(IEvaluator).Assembly.ManifestModule.ModuleVersionId.ToString("N"),
            typeof(EvaluatorCache).Assembly.ManifestModule.ModuleVersionId.ToString("N"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(parts)));
    }

    /// <summary>The hash of an evaluator's sources: SHA-256 over each file's path and text, in ordinal path order.</summary>
    /// <param name="sources">The evaluator's C# files by package-relative path.</param>
    public static string SourcesHash(IReadOnlyDictionary<string, string> sources)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, text) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            hash.AppendData(Encoding.UTF8.GetBytes($"{path}\n{bytes.Length}\n"));
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Compiles the evaluator, or takes its verified image from the cache.</summary>
    /// <param name="folder">The cache folder, or <see langword="null"/> for no cache.</param>
    /// <param name="key">The entry's key (<see cref="Key"/>).</param>
    /// <param name="sources">The evaluator sources.</param>
    /// <param name="policy">The evaluator policy.</param>
    public static (byte[]? Image, IReadOnlyList<CompileDiagnostic> Problems, EvaluatorCacheResult Result) Compile(string? folder, string key, IReadOnlyDictionary<string, string> sources, GatePolicy policy)
    {
        if (folder is null)
        {
            var (image, problems) = EvaluatorCompilation.Compile(sources, policy);
            return (image, problems, EvaluatorCacheResult.Disabled);
        }

        var path = Path.Combine(folder, key + ".evaluator");
        var result = EvaluatorCacheResult.Miss;
        if (File.Exists(path))
        {
            if (TryRead(path, key, sources, policy) is { } cached)
            {
                Touch(path);
                return (cached, [], EvaluatorCacheResult.Hit);
            }

            result = EvaluatorCacheResult.Rebuilt;
            TryDelete(path);
        }

        var (compiled, diagnostics) = EvaluatorCompilation.Compile(sources, policy);
        if (compiled is not null)
        {
            Store(folder, path, key, compiled);
        }

        return (compiled, diagnostics, result);
    }

    private static byte[]? TryRead(string path, string key, IReadOnlyDictionary<string, string> sources, GatePolicy policy)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        const int digestLength = 32;
        if (bytes.Length <= Magic.Length + digestLength || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return null;
        }

        var image = bytes[(Magic.Length + digestLength)..];
        if (!CryptographicOperations.FixedTimeEquals(bytes.AsSpan(Magic.Length, digestLength), Digest(key, image)))
        {
            return null;
        }

        // An entry is for one set of sources: the compile names its assembly after their hash.
        if (!ImageIsFor(image, sources))
        {
            return null;
        }

        // The policy holds for cached code as for freshly compiled code: the IL scan runs on every image loaded.
        var sink = new DiagnosticCollector();
        try
        {
            IlScanner.Scan(image, policy, sink, (_, _) => ("(cached evaluator)", 0));
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            return null;
        }

        return sink.Items.Count == 0 ? image : null;
    }

    private static bool ImageIsFor(byte[] image, IReadOnlyDictionary<string, string> sources)
    {
        try
        {
            using var pe = new System.Reflection.PortableExecutable.PEReader(System.Collections.Immutable.ImmutableArray.Create(image));
            var md = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            return md.GetString(md.GetAssemblyDefinition().Name) == EvaluatorCompilation.AssemblyName(sources);
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static void Store(string folder, string path, string key, byte[] image)
    {
        try
        {
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temp, [.. Magic, .. Digest(key, image), .. image]);
            File.Move(temp, path, overwrite: true);
            Prune(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An unwritable cache only costs the compile on the next start.
        }
    }

    private static byte[] Digest(string key, byte[] image)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(key + "\n"));
        hash.AppendData(image);
        return hash.GetHashAndReset();
    }

    private static void Prune(string folder)
    {
        foreach (var stale in new DirectoryInfo(folder).GetFiles("*.evaluator").OrderByDescending(f => f.LastWriteTimeUtc).Skip(MaxEntries))
        {
            TryDelete(stale.FullName);
        }
    }

    private static void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
