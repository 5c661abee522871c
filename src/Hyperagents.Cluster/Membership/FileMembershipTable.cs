using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans;
using Orleans.Messaging;
using Orleans.Runtime;

namespace Hyperagents.Cluster;

/// <summary>Orleans membership of a localhost cluster in one JSON file: every node and the orchestrator of the cluster
/// read it, and every change is made under an exclusive lock on a lock file beside it, checked against the row's etag
/// and the table's version and etag (optimistic concurrency, as Orleans' membership protocol expects), and written
/// whole to a temporary file that is flushed and renamed over the table, so a reader sees the old table or the new one,
/// never part of one. No member is special: any may die, and the file outlives them all.</summary>
internal sealed class FileMembershipTable : IMembershipTable
{
    /// <summary>The first line of defence against a file that is not a table: its format name.</summary>
    internal const string Format = "hyperagents-membership/1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private static readonly TableVersion Empty = new(0, "0");

    private readonly string _lockPath;
    private readonly TimeSpan _lockWait;

    /// <summary>A table over <c>membership.json</c> in <paramref name="folder"/> (which must exist).</summary>
    /// <param name="folder">The cluster's folder.</param>
    /// <param name="clusterId">The Orleans cluster id the file must hold: a file of another cluster is refused.</param>
    /// <param name="lockWait">How long a change waits for another process's lock before failing.</param>
    public FileMembershipTable(string folder, string clusterId, TimeSpan? lockWait = null)
    {
        Path = System.IO.Path.Combine(folder, "membership.json");
        _lockPath = System.IO.Path.Combine(folder, "membership.lock");
        ClusterId = clusterId;
        _lockWait = lockWait ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>The table's file.</summary>
    public string Path { get; }

    /// <summary>The Orleans cluster id of the table.</summary>
    public string ClusterId { get; }

    /// <inheritdoc />
    public Task InitializeMembershipTable(bool tryInitTableVersion) => InitializeMembershipTableAsync(tryInitTableVersion, CancellationToken.None);

    /// <summary>Checks that the table can be read (an absent file is an empty table at version 0).</summary>
    /// <param name="tryInitTableVersion">Unused: an absent file already is the initial table.</param>
    /// <param name="cancellationToken">Unused.</param>
    /// <exception cref="ClusterMembershipException">The file is not a table of this cluster.</exception>
    public Task InitializeMembershipTableAsync(bool tryInitTableVersion, CancellationToken cancellationToken)
    {
        _ = Load();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteMembershipTableEntries(string clusterId) => DeleteMembershipTableEntriesAsync(clusterId, CancellationToken.None);

    /// <summary>Deletes the table (Orleans' tests and tools call this; nodes never do).</summary>
    /// <param name="clusterId">Must be this table's cluster id.</param>
    /// <param name="cancellationToken">Stops waiting for the lock.</param>
    public async Task DeleteMembershipTableEntriesAsync(string clusterId, CancellationToken cancellationToken)
    {
        if (!string.Equals(clusterId, ClusterId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Cluster id '{clusterId}' is not this table's ('{ClusterId}').", nameof(clusterId));
        }

        await using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        File.Delete(Path);
    }

    /// <inheritdoc />
    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate) => CleanupDefunctSiloEntriesAsync(beforeDate, CancellationToken.None);

    /// <summary>Removes the rows of dead silos whose latest start, heartbeat and suspicion are all before
    /// <paramref name="beforeDate"/>; the table version is left alone (no live member's view changes).</summary>
    /// <param name="beforeDate">The cut-off.</param>
    /// <param name="cancellationToken">Stops waiting for the lock.</param>
    public async Task CleanupDefunctSiloEntriesAsync(DateTimeOffset beforeDate, CancellationToken cancellationToken)
    {
        var cutoff = beforeDate.UtcDateTime;
        await using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        var table = Load();
        var kept = table.Members.Where(m => m.Status != SiloStatus.Dead || m.LastSeen >= cutoff).ToList();
        if (kept.Count != table.Members.Count)
        {
            Save(table with { Members = kept });
        }
    }

    /// <inheritdoc />
    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadRowAsync(key, CancellationToken.None);

    /// <summary>The row of one silo (if any) and the table version, from one read of the file.</summary>
    /// <param name="key">The silo.</param>
    /// <param name="cancellationToken">Unused: reading takes no lock.</param>
    public Task<MembershipTableData> ReadRowAsync(SiloAddress key, CancellationToken cancellationToken)
    {
        var table = Load();
        var rows = table.Members.Where(m => m.Address == key.ToParsableString()).Select(m => Tuple.Create(m.ToEntry(), m.Etag)).ToList();
        return Task.FromResult(new MembershipTableData(rows, table.TableVersion));
    }

    /// <inheritdoc />
    public Task<MembershipTableData> ReadAll() => ReadAllAsync(CancellationToken.None);

    /// <summary>Every row and the table version, from one read of the file (a rename replaces it whole, so no lock
    /// is needed to read it consistently).</summary>
    /// <param name="cancellationToken">Unused: reading takes no lock.</param>
    public Task<MembershipTableData> ReadAllAsync(CancellationToken cancellationToken)
    {
        var table = Load();
        return Task.FromResult(new MembershipTableData([.. table.Members.Select(m => Tuple.Create(m.ToEntry(), m.Etag))], table.TableVersion));
    }

    /// <inheritdoc />
    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => InsertRowAsync(entry, tableVersion, CancellationToken.None);

    /// <summary>Adds a silo's row and sets the table version, atomically; refused (false) when the silo has a row or
    /// <paramref name="tableVersion"/> is not the next version of the table as last read (etag and number).</summary>
    /// <param name="entry">The row.</param>
    /// <param name="tableVersion">The new version, with the etag of the version it follows.</param>
    /// <param name="cancellationToken">Stops waiting for the lock.</param>
    public async Task<bool> InsertRowAsync(MembershipEntry entry, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        await using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        var table = Load();
        var address = entry.SiloAddress.ToParsableString();
        if (!table.Follows(tableVersion) || table.Members.Any(m => m.Address == address))
        {
            return false;
        }

        Save(table.Next(tableVersion, [.. table.Members, FileMember.From(entry, NewEtag())]));
        return true;
    }

    /// <inheritdoc />
    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) => UpdateRowAsync(entry, etag, tableVersion, CancellationToken.None);

    /// <summary>Replaces a silo's row and sets the table version, atomically; refused (false) when the silo has no row,
    /// its row changed since <paramref name="etag"/> was read, or <paramref name="tableVersion"/> is not the next
    /// version of the table as last read.</summary>
    /// <param name="entry">The new row.</param>
    /// <param name="etag">The row's etag as read.</param>
    /// <param name="tableVersion">The new version, with the etag of the version it follows.</param>
    /// <param name="cancellationToken">Stops waiting for the lock.</param>
    public async Task<bool> UpdateRowAsync(MembershipEntry entry, string etag, TableVersion tableVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(tableVersion);
        await using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        var table = Load();
        var address = entry.SiloAddress.ToParsableString();
        var at = table.Members.FindIndex(m => m.Address == address);
        if (!table.Follows(tableVersion) || at < 0 || !string.Equals(table.Members[at].Etag, etag, StringComparison.Ordinal))
        {
            return false;
        }

        var members = table.Members.ToList();
        members[at] = FileMember.From(entry, NewEtag());
        Save(table.Next(tableVersion, members));
        return true;
    }

    /// <inheritdoc />
    public Task UpdateIAmAlive(MembershipEntry entry) => UpdateIAmAliveAsync(entry, CancellationToken.None);

    /// <summary>Writes a silo's heartbeat time into its row, and nothing else: the row's etag and the table version
    /// stay, so a heartbeat never makes another member's pending update fail. A silo without a row is left alone.</summary>
    /// <param name="entry">The silo and its heartbeat time.</param>
    /// <param name="cancellationToken">Stops waiting for the lock.</param>
    public async Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var held = await LockAsync(cancellationToken).ConfigureAwait(false);
        var table = Load();
        var address = entry.SiloAddress.ToParsableString();
        var at = table.Members.FindIndex(m => m.Address == address);
        if (at >= 0)
        {
            var members = table.Members.ToList();
            members[at] = members[at] with { IAmAliveTime = entry.IAmAliveTime.ToUniversalTime() };
            Save(table with { Members = members });
        }
    }

    /// <summary>The active members' gateways.</summary>
    internal IList<Uri> Gateways() =>
        [.. Load().Members.Where(m => m.Status == SiloStatus.Active && m.ProxyPort > 0).Select(m =>
        {
            var silo = SiloAddress.FromParsableString(m.Address);
            return SiloAddress.New(silo.Endpoint.Address, m.ProxyPort, silo.Generation).ToGatewayUri();
        })];

    private static string NewEtag() => Guid.NewGuid().ToString("N");

    /// <summary>Reads the table; an absent file is the empty table at version 0.</summary>
    /// <exception cref="ClusterMembershipException">The file cannot be read or is not a table of this cluster.</exception>
    private FileTable Load()
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path);
        }
        catch (FileNotFoundException)
        {
            return new FileTable(Format, ClusterId, Empty.Version, Empty.VersionEtag, []);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClusterMembershipException($"Cannot read the localhost membership file {Path}: {ex.Message}; check that this user owns it.", ex);
        }

        FileTable? table;
        try
        {
            table = JsonSerializer.Deserialize<FileTable>(bytes, Json);
        }
        catch (JsonException ex)
        {
            throw Damaged(ex.Message, ex);
        }

        if (table is null || table.Format != Format || table.Members is null || table.Etag is null || table.Members.Any(m => m?.Address is null || m.Etag is null))
        {
            throw Damaged("it is not a hyperagents membership table", null);
        }

        if (!string.Equals(table.ClusterId, ClusterId, StringComparison.Ordinal))
        {
            throw Damaged($"it belongs to cluster '{table.ClusterId}', not '{ClusterId}'", null);
        }

        return table;
    }

    private ClusterMembershipException Damaged(string why, Exception? inner) =>
        new($"The localhost membership file {Path} is damaged ({why}); stop this cluster's nodes, delete the file and start them again.", inner);

    /// <summary>Writes the whole table to a temporary file, flushes it to disk and renames it over the table.</summary>
    private void Save(FileTable table)
    {
        var temp = Path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, table, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
    }

    /// <summary>Takes the table's exclusive lock: a blocking <c>flock</c> on the lock file (the kernel queues waiters,
    /// so a busy table starves no one, and releases the lock when its holder closes it or dies, so a killed member
    /// never leaves the table locked). The file is opened with <c>open(2)</c>, not a <see cref="FileStream"/>, whose
    /// own non-blocking flock would refuse to open it while another holds the lock. Disposing releases it.</summary>
    private async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }

        var fd = Open(_lockPath, 0x2 /* O_RDWR */ | 0x40 /* O_CREAT */ | 0x80000 /* O_CLOEXEC */, 0x180 /* 0600 */);
        if (fd < 0)
        {
            throw new ClusterMembershipException($"Cannot open the localhost membership lock {_lockPath} (errno {Marshal.GetLastPInvokeError()}); check that this user owns its folder.");
        }

        var held = new HeldLock(fd);
        var locking = Task.Run(() =>
        {
            while (Flock(fd, 2 /* LOCK_EX */) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != 4 /* EINTR */)
                {
                    throw new IOException($"flock failed (errno {errno})");
                }
            }
        }, CancellationToken.None);
        try
        {
            await locking.WaitAsync(_lockWait, cancellationToken).ConfigureAwait(false);
            return held;
        }
        catch (Exception ex)
        {
            // Close the file once the wait ends, whichever way: that releases the lock if it was taken meanwhile.
            _ = locking.ContinueWith(_ => held.DisposeAsync(), TaskScheduler.Default);
            if (ex is TimeoutException or IOException)
            {
                throw new ClusterMembershipException($"The localhost membership lock {_lockPath} was not granted within {_lockWait.TotalSeconds:0} s ({ex.Message}); check for a stopped (SIGSTOP) or hung hyperagents process of this cluster.", ex);
            }

            throw;
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    /// <summary>An open lock file; closing it releases its flock.</summary>
    private sealed class HeldLock(int fd) : IAsyncDisposable
    {
        private int _fd = fd;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _fd, -1) is >= 0 and var open)
            {
                _ = Close(open);
            }

            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The table as stored.</summary>
/// <param name="Format">Always <see cref="FileMembershipTable.Format"/>.</param>
/// <param name="ClusterId">The Orleans cluster id.</param>
/// <param name="Version">The table version.</param>
/// <param name="Etag">The table version's etag, new at every change of version.</param>
/// <param name="Members">The rows.</param>
internal sealed record FileTable(string Format, string ClusterId, int Version, string Etag, List<FileMember> Members)
{
    /// <summary>The version as Orleans sees it.</summary>
    [JsonIgnore]
    public TableVersion TableVersion => new(Version, Etag);

    /// <summary>Whether <paramref name="next"/> is this table's next version: this version's etag, this number + 1.</summary>
    public bool Follows(TableVersion next) => string.Equals(next.VersionEtag, Etag, StringComparison.Ordinal) && next.Version == Version + 1;

    /// <summary>The table at <paramref name="next"/> with a new etag and <paramref name="members"/>.</summary>
    public FileTable Next(TableVersion next, List<FileMember> members) => this with { Version = next.Version, Etag = Guid.NewGuid().ToString("N"), Members = members };
}

/// <summary>One row as stored (the silo address in Orleans' parsable form, times in UTC).</summary>
internal sealed record FileMember(
    string Address,
    string Etag,
    SiloStatus Status,
    int ProxyPort,
    string? HostName,
    string? SiloName,
    string? RoleName,
    int UpdateZone,
    int FaultZone,
    DateTime StartTime,
    DateTime IAmAliveTime,
    List<FileSuspicion>? SuspectTimes)
{
    /// <summary>The latest of its start, its heartbeat and any suspicion of it.</summary>
    [JsonIgnore]
    public DateTime LastSeen => new[] { StartTime, IAmAliveTime }.Concat(SuspectTimes?.Select(s => s.At) ?? []).Max();

    public static FileMember From(MembershipEntry e, string etag) => new(
        e.SiloAddress.ToParsableString(), etag, e.Status, e.ProxyPort, e.HostName, e.SiloName, e.RoleName, e.UpdateZone, e.FaultZone,
        e.StartTime.ToUniversalTime(), e.IAmAliveTime.ToUniversalTime(),
        e.SuspectTimes?.Select(s => new FileSuspicion(s.Item1.ToParsableString(), s.Item2.ToUniversalTime())).ToList());

    public MembershipEntry ToEntry() => new()
    {
        SiloAddress = SiloAddress.FromParsableString(Address),
        Status = Status,
        ProxyPort = ProxyPort,
        HostName = HostName ?? string.Empty,
        SiloName = SiloName ?? string.Empty,
        RoleName = RoleName,
        UpdateZone = UpdateZone,
        FaultZone = FaultZone,
        StartTime = DateTime.SpecifyKind(StartTime, DateTimeKind.Utc),
        IAmAliveTime = DateTime.SpecifyKind(IAmAliveTime, DateTimeKind.Utc),
        SuspectTimes = SuspectTimes?.Select(s => Tuple.Create(SiloAddress.FromParsableString(s.Silo), DateTime.SpecifyKind(s.At, DateTimeKind.Utc))).ToList() ?? [],
    };
}

/// <summary>A suspicion vote: who suspects, and when.</summary>
internal sealed record FileSuspicion(string Silo, DateTime At);

/// <summary>The orchestrator's gateways: the active nodes of a localhost cluster's membership file.</summary>
/// <param name="table">The cluster's table.</param>
/// <param name="refresh">How often the client reads the file again.</param>
internal sealed class FileGatewayListProvider(FileMembershipTable table, TimeSpan refresh) : IGatewayListProvider
{
    /// <inheritdoc />
    public TimeSpan MaxStaleness => refresh;

    /// <inheritdoc />
    public bool IsUpdatable => true;

    /// <inheritdoc />
    public Task InitializeGatewayListProvider() => table.InitializeMembershipTableAsync(false, CancellationToken.None);

    /// <inheritdoc />
    public Task<IList<Uri>> GetGateways() => Task.FromResult(table.Gateways());
}
