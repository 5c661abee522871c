using System.Net;
using Hyperagents.Testing;
using Orleans;
using Orleans.Runtime;

namespace Hyperagents.Cluster.Tests;

/// <summary>The membership file of localhost clusters: Orleans' table contract (etags, table version, atomic
/// changes), writers in parallel, a damaged file, and the <c>localhost/&lt;name&gt;</c> spec.</summary>
public sealed class LocalMembershipTests
{
    private const string Cluster = "hyperagents-localhost-test";

    [Fact]
    public async Task A_change_with_a_wrong_row_etag_or_a_stale_table_version_is_refused_and_changes_nothing()
    {
        using var folder = new TempFolder();
        var table = new FileMembershipTable(folder.Path, Cluster);
        await table.InitializeMembershipTableAsync(true, CancellationToken.None);
        var empty = await table.ReadAllAsync(CancellationToken.None);
        var a = Entry(1001);
        Assert.True(await table.InsertRowAsync(a, empty.Version.Next(), CancellationToken.None));

        // The version read before that insert is stale now: its etag (and number) no longer match.
        Assert.False(await table.InsertRowAsync(Entry(1002), empty.Version.Next(), CancellationToken.None));
        var read = await table.ReadAllAsync(CancellationToken.None);
        var (row, etag) = Assert.Single(read.Members);
        Assert.False(await table.InsertRowAsync(Entry(1001), read.Version.Next(), CancellationToken.None), "a silo's second row");
        Assert.False(await table.InsertRowAsync(Entry(1002), new TableVersion(read.Version.Version + 2, read.Version.VersionEtag), CancellationToken.None), "a version number that skips one");
        Assert.False(await table.InsertRowAsync(Entry(1002), new TableVersion(read.Version.Version + 1, "other"), CancellationToken.None), "another etag");

        row.Status = SiloStatus.Active;
        Assert.False(await table.UpdateRowAsync(row, "not-the-row-etag", read.Version.Next(), CancellationToken.None));
        Assert.False(await table.UpdateRowAsync(row, etag, empty.Version.Next(), CancellationToken.None));
        Assert.False(await table.UpdateRowAsync(Entry(1003), etag, read.Version.Next(), CancellationToken.None), "a silo without a row");
        var unchanged = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(read.Version, unchanged.Version);
        Assert.Equal(SiloStatus.Joining, Assert.Single(unchanged.Members).Item1.Status);

        // A heartbeat changes neither the row's etag nor the table version: the update read before it still holds.
        await table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = row.SiloAddress, IAmAliveTime = DateTime.UtcNow.AddMinutes(1) }, CancellationToken.None);
        Assert.True(await table.UpdateRowAsync(row, etag, read.Version.Next(), CancellationToken.None));
        var updated = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(read.Version.Version + 1, updated.Version.Version);
        Assert.NotEqual(read.Version.VersionEtag, updated.Version.VersionEtag);
        Assert.NotEqual(etag, Assert.Single(updated.Members).Item2);
        Assert.Equal(SiloStatus.Active, updated.Members[0].Item1.Status);

        // The row etag read before the update is stale now.
        Assert.False(await table.UpdateRowAsync(row, etag, updated.Version.Next(), CancellationToken.None));
    }

    [Fact]
    public async Task Tables_over_one_file_writing_at_once_never_lose_an_update()
    {
        using var folder = new TempFolder();
        var tables = Enumerable.Range(0, 4).Select(_ => new FileMembershipTable(folder.Path, Cluster)).ToArray();
        var beating = Entry(1000);
        Assert.True(await tables[0].InsertRowAsync(beating, new TableVersion(1, "0"), CancellationToken.None));
        const int PerWriter = 250;

        // Two writers insert rows the way Orleans does (read, then insert at the next version; again when refused)
        // while two others write heartbeats into one row as fast as they can.
        async Task WriteAsync(FileMembershipTable table, int first)
        {
            for (var port = first; port < first + PerWriter; port++)
            {
                while (true)
                {
                    var read = await table.ReadAllAsync(CancellationToken.None);
                    if (await table.InsertRowAsync(Entry(port), read.Version.Next(), CancellationToken.None))
                    {
                        break;
                    }
                }
            }
        }

        using var done = new CancellationTokenSource();
        async Task BeatAsync(FileMembershipTable table)
        {
            while (!done.IsCancellationRequested)
            {
                await table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = beating.SiloAddress, IAmAliveTime = DateTime.UtcNow }, CancellationToken.None);
            }
        }

        var beats = new[] { Task.Run(() => BeatAsync(tables[2])), Task.Run(() => BeatAsync(tables[3])) };
        await Task.WhenAll(Task.Run(() => WriteAsync(tables[0], 2000)), Task.Run(() => WriteAsync(tables[1], 3000)));
        await done.CancelAsync();
        await Task.WhenAll(beats);

        var all = await tables[0].ReadAllAsync(CancellationToken.None);
        Assert.Equal(1 + (2 * PerWriter), all.Members.Count);
        Assert.Equal(1 + (2 * PerWriter), all.Version.Version);
        Assert.Equal(1 + (2 * PerWriter), all.Members.Select(m => m.Item2).Distinct().Count());
    }

    [Fact]
    public async Task A_damaged_membership_file_is_a_one_line_error_naming_the_file_and_the_fix()
    {
        using var folder = new TempFolder();
        var table = new FileMembershipTable(folder.Path, Cluster);
        Assert.True(await table.InsertRowAsync(Entry(1001), new TableVersion(1, "0"), CancellationToken.None));
        var text = File.ReadAllText(table.Path);
        foreach (var damaged in new[] { text[..(text.Length / 2)], "garbage", "{}", text.Replace(Cluster, "hyperagents-localhost-other", StringComparison.Ordinal) })
        {
            File.WriteAllText(table.Path, damaged);
            var error = await Assert.ThrowsAsync<ClusterMembershipException>(() => table.ReadAllAsync(CancellationToken.None));
            Assert.Contains(table.Path, error.Message, StringComparison.Ordinal);
            Assert.Contains("delete the file", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ClusterMembershipException>(() => table.InsertRowAsync(Entry(1002), new TableVersion(2, "x"), CancellationToken.None));
        }
    }

    [Fact]
    public async Task Cleanup_removes_only_dead_rows_last_seen_before_the_cut_off_and_gateways_are_the_active_rows()
    {
        using var folder = new TempFolder();
        var table = new FileMembershipTable(folder.Path, Cluster);
        var old = DateTime.UtcNow.AddDays(-2);
        var rows = new[]
        {
            Entry(1001, SiloStatus.Dead, old),
            Entry(1002, SiloStatus.Dead, DateTime.UtcNow),
            Entry(1003, SiloStatus.Active, old),
            Entry(1004, SiloStatus.Active, DateTime.UtcNow),
        };
        foreach (var row in rows)
        {
            var read = await table.ReadAllAsync(CancellationToken.None);
            Assert.True(await table.InsertRowAsync(row, read.Version.Next(), CancellationToken.None));
        }

        var before = await table.ReadAllAsync(CancellationToken.None);
        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-1), CancellationToken.None);
        var after = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal([1002, 1003, 1004], after.Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order());
        Assert.Equal(before.Version, after.Version);

        var gateways = new FileGatewayListProvider(table, TimeSpan.FromSeconds(1));
        Assert.Equal(["gwy.tcp://127.0.0.1:11003/7", "gwy.tcp://127.0.0.1:11004/7"], (await gateways.GetGateways()).Select(u => u.ToString()).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("localhost", "localhost/default")]
    [InlineData("LOCALHOST", "localhost/default")]
    [InlineData("localhost/exp-2_b.1", "localhost/exp-2_b.1")]
    public void A_localhost_spec_names_its_cluster(string given, string text)
    {
        var spec = ClusterSpec.Parse(given, out var error);
        Assert.True(spec is not null, error);
        Assert.True(spec.IsLocalhost);
        Assert.Equal(text, spec.Text);
        Assert.Equal("hyperagents-" + text.Replace('/', '-'), spec.OrleansId);
        Assert.Equal(text["localhost/".Length..], Path.GetFileName(LocalClusterFolder.For(spec.LocalName!)));
    }

    [Theory]
    [InlineData("localhost/")]
    [InlineData("localhost/a b")]
    [InlineData("localhost/../x")]
    [InlineData("localhost/..")]
    [InlineData("localhost/a/b")]
    [InlineData("localhost/é")]
    [InlineData("localhost/a\nb")]
    public void A_bad_localhost_name_is_one_line_naming_the_fix(string given)
    {
        Assert.Null(ClusterSpec.Parse(given, out var error));
        Assert.Contains("letters, digits, '-', '_' or '.'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_and_PostgreSQL_clusters_keep_their_Orleans_id()
    {
        Assert.Equal(ClusterSpec.ClusterId, ClusterSpec.Parse("redis://127.0.0.1:6379", out _)!.OrleansId);
        Assert.Equal(ClusterSpec.ClusterId, ClusterSpec.Parse("postgresql://u@127.0.0.1/db", out _)!.OrleansId);
    }

    private static MembershipEntry Entry(int port, SiloStatus status = SiloStatus.Joining, DateTime? alive = null) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 7),
        Status = status,
        ProxyPort = port + 10_000,
        HostName = "test",
        SiloName = $"node-{port}",
        StartTime = alive ?? DateTime.UtcNow,
        IAmAliveTime = alive ?? DateTime.UtcNow,
        SuspectTimes = [],
    };
}
