namespace Hyperagents.Archive;

/// <summary>How a run is written.</summary>
public sealed class ArchiveOptions
{
    /// <summary>How a write is made durable before it returns.</summary>
    /// <value>
    /// Default <see cref="Archive.Durability.SyncFileSystem"/> on Linux, <see cref="Archive.Durability.FsyncEachFile"/> elsewhere.
    /// </value>
    public Durability Durability { get; init; } = OperatingSystem.IsLinux() ? Durability.SyncFileSystem : Durability.FsyncEachFile;

    /// <summary>The clock for commit and note timestamps.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>; a fixed clock makes variant ids reproducible.</value>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>How long a writer waits for another writer of the same run.</summary>
    /// <value>Default 60 seconds.</value>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The author and committer name of archive commits.</summary>
    /// <value>Default <c>hyperagents</c>.</value>
    public string AuthorName { get; init; } = "hyperagents";

    /// <summary>The author and committer e-mail of archive commits.</summary>
    /// <value>Default <c>hyperagents@localhost</c>.</value>
    public string AuthorEmail { get; init; } = "hyperagents@localhost";

    /// <summary>Signs every commit with this key; a run created with a signer records its public key and verifies it.</summary>
    /// <value>Default <see langword="null"/>: unsigned. The archive does not dispose it.</value>
    public CommitSigner? Signer { get; init; }

    /// <summary>The default options.</summary>
    public static ArchiveOptions Default { get; } = new();
}

/// <summary>How the archive makes a write durable (survive power loss, threat C4) before acknowledging it.</summary>
public enum Durability
{
    /// <summary>
    /// Linux: write the objects and the journal record, then one <c>syncfs</c> of the run's file system. One flush a
    /// write instead of one per object; it also flushes other processes' dirty data on that file system. Only the last
    /// write can be cut by a power loss, and reopening checks it object by object.
    /// </summary>
    SyncFileSystem,

    /// <summary>libgit2 fsyncs every object and ref it writes (and their folders) and the journal is fsync'd.</summary>
    /// <remarks>libgit2's fsync switch is process-wide: the last run opened decides for the whole process.</remarks>
    FsyncEachFile,

    /// <summary>No flush: consistent after a process crash (SIGKILL), not after a power loss. For tests and benchmarks.</summary>
    None,
}
