using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace Hyperagents.Compiler;

/// <summary>The files of one hyperagent: relative paths with forward slashes mapped to their text. Immutable.</summary>
/// <remarks>
/// Files under <c>task/</c> are task files, under <c>meta/</c> meta files, anything else other
/// (<see cref="FileKind"/>). Only <c>.cs</c> files are compiled; the others (prompts, json, md) travel with the agent.
/// Every path follows the one rule of hyperagent files (<see cref="AgentFilePaths"/>, the same the workspace and the
/// archive apply), and loading refuses what it cannot represent safely instead of guessing: see <see cref="AgentSourceLimits"/>.
/// </remarks>
public sealed class AgentSource
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private string? _hash;

    private AgentSource(ImmutableSortedDictionary<string, string> files) => Files = files;

    /// <summary>Relative path (forward slashes) to content, in ordinal path order.</summary>
    public ImmutableSortedDictionary<string, string> Files { get; }

    /// <summary>The C# files, in ordinal path order.</summary>
    public IEnumerable<KeyValuePair<string, string>> CSharpFiles =>
        Files.Where(f => f.Key.EndsWith(".cs", StringComparison.OrdinalIgnoreCase));

    /// <summary>Lower-case hex SHA-256 over every path and content, in path order. Equal sources have equal hashes.</summary>
    public string ContentHash => _hash ??= ComputeHash();

    /// <summary>Rebuilds a source another process already loaded and checked (the compile worker's request).</summary>
    internal static AgentSource Restore(IReadOnlyDictionary<string, string> files) =>
        new(files.ToImmutableSortedDictionary(StringComparer.Ordinal));

    /// <summary>Builds a source from in-memory files, whose paths must already be hyperagent paths (nothing is skipped
    /// or rewritten, unlike <see cref="FromDirectory"/>).</summary>
    /// <param name="files">Relative path to content.</param>
    /// <param name="limits">Size and count caps; <see cref="AgentSourceLimits.Default"/> when <see langword="null"/>.</param>
    /// <exception cref="AgentSourceException">A path is invalid, a cap is exceeded, or there is no <c>.cs</c> file.</exception>
    public static AgentSource FromFiles(IReadOnlyDictionary<string, string> files, AgentSourceLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        limits ??= AgentSourceLimits.Default;
        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        long total = 0;
        foreach (var (path, content) in files)
        {
            CheckPath(path);
            var size = Encoding.UTF8.GetByteCount(content);
            CheckFileSize(path, size, limits);
            total += size;
            builder.Add(path, content);
        }

        return Finish(builder, total, limits, "the given files");
    }

    /// <summary>Loads every file of a folder, recursively, without following symbolic links. Version control and build
    /// output folders (<c>.git</c>, <c>bin</c>, <c>obj</c>, at any depth) and a checked-out variant's
    /// <c>.hyperagent/</c> are skipped; every other file must follow <see cref="AgentFilePaths"/>.</summary>
    /// <param name="path">The hyperagent's folder.</param>
    /// <param name="limits">Size and count caps; <see cref="AgentSourceLimits.Default"/> when <see langword="null"/>.</param>
    /// <exception cref="AgentSourceException">The folder is missing or empty, holds a symbolic link, a non-UTF-8 file, or exceeds a cap.</exception>
    public static AgentSource FromDirectory(string path, AgentSourceLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        limits ??= AgentSourceLimits.Default;
        var root = new DirectoryInfo(Path.GetFullPath(path));
        if (!root.Exists)
        {
            throw new AgentSourceException($"The agent folder '{root.FullName}' does not exist. Pass the path of a folder that holds the agent's .cs files.");
        }

        if (root.LinkTarget is not null)
        {
            throw new AgentSourceException($"The agent folder '{root.FullName}' is a symbolic link. Pass the real folder.");
        }

        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        long total = 0;
        var pending = new Stack<DirectoryInfo>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var entry in dir.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false, ReturnSpecialDirectories = false }))
            {
                var relative = Path.GetRelativePath(root.FullName, entry.FullName);
                relative = Path.DirectorySeparatorChar == '/' ? relative : relative.Replace(Path.DirectorySeparatorChar, '/');
                if (relative.StartsWith("../", StringComparison.Ordinal) || relative == ".." || Path.IsPathRooted(relative))
                {
                    throw new AgentSourceException($"'{AgentFilePaths.Escape(entry.FullName)}' lies outside the agent folder. Keep every file inside '{root.FullName}'.");
                }

                if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    throw new AgentSourceException($"'{AgentFilePaths.Escape(relative)}' is a symbolic link; agent folders may not contain links. Replace it with a regular file.");
                }

                if (IsIgnored(relative))
                {
                    continue;
                }

                if (entry is DirectoryInfo sub)
                {
                    pending.Push(sub);
                    continue;
                }

                var file = (FileInfo)entry;
                CheckPath(relative);
                CheckFileSize(relative, file.Length, limits);
                total += file.Length;
                if (total > limits.MaxTotalBytes)
                {
                    throw new AgentSourceException($"The agent folder holds more than {limits.MaxTotalBytes:N0} bytes. Remove large files (data, logs) from '{root.FullName}'.");
                }

                if (builder.Count >= limits.MaxFiles)
                {
                    throw new AgentSourceException($"The agent folder holds more than {limits.MaxFiles} files. Remove files that are not part of the agent.");
                }

                builder[relative] = ReadNoFollow(file.FullName, relative);
            }
        }

        return Finish(builder, total, limits, $"the folder '{root.FullName}'");
    }

    /// <summary>A new source with one file added or replaced.</summary>
    /// <param name="path">The relative path.</param>
    /// <param name="content">The new content.</param>
    public AgentSource With(string path, string content) =>
        FromFiles(Files.SetItem(path ?? string.Empty, content));

    private static AgentSource Finish(ImmutableSortedDictionary<string, string>.Builder builder, long total, AgentSourceLimits limits, string origin)
    {
        if (builder.Count > limits.MaxFiles)
        {
            throw new AgentSourceException($"{origin} holds {builder.Count} files, more than the cap of {limits.MaxFiles}. Remove files that are not part of the agent.");
        }

        if (total > limits.MaxTotalBytes)
        {
            throw new AgentSourceException($"{origin} holds {total:N0} bytes, more than the cap of {limits.MaxTotalBytes:N0}. Remove large files.");
        }

        if (AgentFilePaths.SetProblem(builder.Keys) is { } clash)
        {
            throw new AgentSourceException($"{char.ToUpperInvariant(origin[0])}{origin[1..]} cannot be one hyperagent: {clash}.");
        }

        if (!builder.Keys.Any(k => k.EndsWith(".cs", StringComparison.OrdinalIgnoreCase)))
        {
            throw new AgentSourceException($"{char.ToUpperInvariant(origin[0])}{origin[1..]} holds no .cs file. An agent needs at least one C# file declaring SolveTask and ModifySelf.");
        }

        return new AgentSource(builder.ToImmutable());
    }

    private static string ReadNoFollow(string fullPath, string relative)
    {
        byte[] bytes;
        try
        {
            // The link check above races with a swap; opening with no-follow semantics closes the window on Unix.
            using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.None);
            var info = new FileInfo(fullPath);
            if (info.LinkTarget is not null)
            {
                throw new AgentSourceException($"'{relative}' is a symbolic link; agent folders may not contain links. Replace it with a regular file.");
            }

            var length = RandomAccess.GetLength(handle);
            bytes = new byte[length];
            var read = 0;
            while (read < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            if (read != bytes.Length)
            {
                Array.Resize(ref bytes, read);
            }
        }
        catch (IOException ex)
        {
            throw new AgentSourceException($"'{relative}' could not be read ({ex.Message}). Check that the file exists and is readable.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new AgentSourceException($"'{relative}' is not readable. Fix its permissions.");
        }

        try
        {
            var start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException)
        {
            throw new AgentSourceException($"'{relative}' is not valid UTF-8. Save it as UTF-8 text, or remove it if it is a binary file.");
        }
    }

    private static void CheckFileSize(string path, long size, AgentSourceLimits limits)
    {
        if (size > limits.MaxFileBytes)
        {
            throw new AgentSourceException($"'{path}' is {size:N0} bytes, more than the per-file cap of {limits.MaxFileBytes:N0}. Split it or remove it.");
        }
    }

    /// <summary>Build output and version-control folders (<see cref="AgentFilePaths.IsSkippedFolder"/>) at any depth,
    /// and the archive's own top-level folder (a checked-out variant holds <c>.hyperagent/</c>; the archive writes it):
    /// skipped when reading an agent folder from disk, never part of a hyperagent.</summary>
    private static bool IsIgnored(string relative) =>
        relative.Split('/').Any(AgentFilePaths.IsSkippedFolder)
        || relative.Equals(AgentFilePaths.Reserved, StringComparison.OrdinalIgnoreCase)
        || relative.StartsWith(AgentFilePaths.Reserved + "/", StringComparison.OrdinalIgnoreCase);

    /// <summary>Applies the one path rule every hyperagent file follows (<see cref="AgentFilePaths"/>).</summary>
    private static void CheckPath(string? path)
    {
        if (AgentFilePaths.Problem(path) is { } problem)
        {
            throw new AgentSourceException($"The file path '{AgentFilePaths.Escape(path)}' is refused: {problem}. Rename or move the file.");
        }
    }

    private string ComputeHash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var (path, content) in Files)
        {
            foreach (var part in new[] { path, content })
            {
                var bytes = Encoding.UTF8.GetBytes(part);
                BitConverter.TryWriteBytes(length, (long)bytes.Length);
                sha.AppendData(length);
                sha.AppendData(bytes);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>Caps applied when loading an <see cref="AgentSource"/>.</summary>
public sealed record AgentSourceLimits
{
    /// <summary>The default caps.</summary>
    public static AgentSourceLimits Default { get; } = new();

    /// <summary>Largest single file.</summary>
    /// <value>Default 256 KiB.</value>
    public long MaxFileBytes { get; init; } = 256 * 1024;

    /// <summary>Largest total of all files.</summary>
    /// <value>Default 2 MiB.</value>
    public long MaxTotalBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Most files.</summary>
    /// <value>Default 200.</value>
    public int MaxFiles { get; init; } = 200;
}

/// <summary>An agent folder or file set cannot be loaded; the message names the problem and the fix.</summary>
public sealed class AgentSourceException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public AgentSourceException(string message)
        : base(message)
    {
    }
}
