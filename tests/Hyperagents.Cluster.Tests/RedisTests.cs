using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Hyperagents.Domains;
using Hyperagents.Testing;

namespace Hyperagents.Cluster.Tests;

/// <summary>Redis membership against a real <c>redis-server</c> on loopback (Debian's package, installed with apt-get
/// when missing): nodes and the orchestrator find one another through it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Two_nodes_found_through_Redis_membership_run_a_run_with_the_one_machine_lineage()
    {
        TestNodes.Reset();
        using var folder = new TempFolder();
        var settings = TestNodes.Settings(1);
        using var alone = await TestNodes.RunAsync(folder.Combine("alone"), settings, null);

        await using var redis = await RedisServer.StartAsync(folder.Combine("redis"));
        var spec = ClusterSpec.Parse($"redis://127.0.0.1:{redis.Port}", out var error) ?? throw new InvalidOperationException(error);
        await using var first = await NodeHost.StartAsync(spec, TestNodes.For("redis-a"), "native", IPAddress.Loopback, null, CancellationToken.None).WaitAsync(Guard);
        await using var second = await NodeHost.StartAsync(spec, TestNodes.For("redis-b"), "native", IPAddress.Loopback, null, CancellationToken.None).WaitAsync(Guard);
        await using var connection = await ClusterConnection.ConnectAsync(spec, null, CancellationToken.None).WaitAsync(Guard);
        var domain = TestDomains.Open(settings.Domain);
        await using var dispatcher = new ClusterDispatcher(connection.Client, TestNodes.ClusterSecret, TestNodes.Shipment(domain), settings.TaskLimits, watchInterval: TimeSpan.FromMilliseconds(500));
        await dispatcher.WaitForNodesAsync(2, new CancellationTokenSource(Guard).Token);
        using var spread = await TestNodes.RunAsync(folder.Combine("cluster"), settings, dispatcher).WaitAsync(Guard);

        Assert.Equal(TestNodes.Lineage(alone), TestNodes.Lineage(spread));
        Assert.Equal(new[] { first.NodeId, second.NodeId }.Order(StringComparer.Ordinal), dispatcher.Nodes.Select(n => n.NodeId).Order(StringComparer.Ordinal));
        Assert.Empty(dispatcher.Refusals);
    }

    /// <summary>A redis-server on a free loopback port, with no persistence, stopped on dispose.</summary>
    private sealed class RedisServer : IAsyncDisposable
    {
        private readonly Process _process;

        private RedisServer(Process process, int port) => (_process, Port) = (process, port);

        public int Port { get; }

        public static async Task<RedisServer> StartAsync(string folder)
        {
            Directory.CreateDirectory(folder);
            var binary = await Apt.EnsureAsync("redis-server", Find);
            var port = Apt.FreeLoopbackPort();
            var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
            foreach (var a in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder })
            {
                psi.ArgumentList.Add(a);
            }

            var process = Process.Start(psi)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (true)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, guard.Token);
                    return new RedisServer(process, port);
                }
                catch (SocketException)
                {
                    Assert.False(process.HasExited, "redis-server exited at start");
                    await Task.Delay(100, guard.Token);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private static string? Find() => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
    }
}
