namespace Hyperagents.Archive;

/// <summary>How a run is written.</summary>
public sealed class ArchiveOptions
{
    /// <summary>fsync objects, refs, notes and the journal before a write returns.</summary>
    /// <value>Default <see langword="true"/>. Off forfeits durability across power loss (threat C4), never consistency.</value>
    /// <remarks>libgit2's fsync switch is process-wide: the last run opened decides for the whole process.</remarks>
    public bool Fsync { get; init; } = true;

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

    /// <summary>The default options.</summary>
    public static ArchiveOptions Default { get; } = new();
}
