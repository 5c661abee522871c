using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Hyperagents.Cluster;

/// <summary>Where a cluster's membership lives: <c>localhost</c> (nodes on this machine on a fixed port scheme, the
/// first node holding membership), <c>redis://host:port</c> or <c>postgresql://user@host:port/database</c> (any number
/// of machines).</summary>
public sealed record ClusterSpec
{
    /// <summary>The Orleans cluster and service id of every hyperagents cluster (they name, never authenticate).</summary>
    public const string ClusterId = "hyperagents";

    /// <summary>The first silo port of the localhost scheme: node <c>k</c> listens on <c>11111+k</c>.</summary>
    public const int LocalSiloBase = 11111;

    /// <summary>The first gateway port of the localhost scheme: node <c>k</c> takes clients on <c>30000+k</c>.</summary>
    public const int LocalGatewayBase = 30000;

    /// <summary>How many nodes the localhost scheme holds.</summary>
    public const int LocalMaxNodes = 32;

    private ClusterSpec(string text, string? redis, PostgresTarget? postgres = null)
    {
        Text = text;
        Redis = redis;
        Postgres = postgres;
    }

    /// <summary>The spec as shown and stored (a PostgreSQL spec in its normal form; it never holds a password).</summary>
    public string Text { get; }

    /// <summary>The Redis endpoint (<c>host:port</c>) for Redis membership, else <see langword="null"/>.</summary>
    public string? Redis { get; }

    /// <summary>The database of PostgreSQL membership, else <see langword="null"/>.</summary>
    public PostgresTarget? Postgres { get; }

    /// <summary>Whether this is the one-machine scheme.</summary>
    public bool IsLocalhost => Redis is null && Postgres is null;

    /// <summary>Where membership lives, for messages: what a user checks when the cluster cannot be reached.</summary>
    public string MembershipHint => Redis is not null ? "check that Redis is reachable from this machine"
        : Postgres is not null ? "check that PostgreSQL is reachable from this machine"
        : "on localhost the first node holds membership: start it first, and keep it running";

    /// <summary>Parses <c>--cluster</c>.</summary>
    /// <param name="text">The value.</param>
    /// <param name="error">Why it is not a spec, naming the fix.</param>
    public static ClusterSpec? Parse(string text, out string? error)
    {
        error = null;
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new ClusterSpec("localhost", null);
        }

        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            return new ClusterSpec(text, $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}");
        }

        if (text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return PostgresTarget.Parse(text, out error) is { } target ? new ClusterSpec(target.ToString(), null, target) : null;
        }

        error = $"--cluster '{Redact(text)}' is not a cluster: use 'localhost' (nodes on this machine), 'redis://host:port' (membership in Redis) or 'postgresql://user@host:port/database' (membership in PostgreSQL).";
        return null;
    }

    /// <summary>The spec with any password in its user part replaced, for messages.</summary>
    /// <param name="text">A spec as given.</param>
    internal static string Redact(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var at = text.LastIndexOf('@');
        var colon = scheme < 0 || at < 0 ? -1 : text.IndexOf(':', scheme + 3);
        return colon >= 0 && colon < at ? text[..(colon + 1)] + "***" + text[at..] : text;
    }

    /// <summary>Gateway ports the localhost scheme's clients try.</summary>
    internal static int[] LocalGateways() => [.. Enumerable.Range(0, LocalMaxNodes).Select(k => LocalGatewayBase + k)];

    /// <summary>Configures an orchestrator's client.</summary>
    internal void ConfigureClient(IClientBuilder client, PostgresMembership? membership)
    {
        // A draw may take as long as its task limit allows; a node that dies is noticed through membership instead
        // (the dispatcher stops waiting on its calls), so this is only the last guard.
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromHours(1));
        if (Redis is { } redis)
        {
            client.UseRedisClustering(redis);
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId));
        }
        else if (membership is not null)
        {
            client.UseAdoNetClustering(o => (o.Invariant, o.DataSource) = ("Npgsql", membership.DataSource));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId));
        }
        else
        {
            client.UseLocalhostClustering(LocalGateways(), ClusterId, ClusterId);
        }
    }

    /// <summary>Whether a TCP port on loopback is free now.</summary>
    internal static bool PortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A port the OS says is free.</summary>
    internal static int AnyFreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>A running node (an Orleans silo).</summary>
public sealed class NodeHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly PostgresMembership? _membership;

    private NodeHost(IHost host, string nodeId, string endpoint, PostgresMembership? membership = null)
    {
        _host = host;
        NodeId = nodeId;
        Endpoint = endpoint;
        _membership = membership;
    }

    /// <summary>The node id (silo name).</summary>
    public string NodeId { get; }

    /// <summary>Where it listens, for the log: <c>silo host:port, gateway port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>Starts a node. On <c>localhost</c> it takes the first free slot of the port scheme (node 0, the primary,
    /// holds membership); on Redis it listens on free ports of <paramref name="address"/>.</summary>
    /// <param name="spec">The cluster.</param>
    /// <param name="services">What it runs draws with.</param>
    /// <param name="isolation">Its isolation tier's name.</param>
    /// <param name="address">The address other machines reach it on (Redis membership); loopback by default.</param>
    /// <param name="logging">Log configuration.</param>
    /// <param name="cancellationToken">Stops start-up.</param>
    /// <exception cref="InvalidOperationException">No port of the localhost scheme is free.</exception>
    /// <exception cref="ClusterMembershipException">PostgreSQL membership cannot be used (one line naming the fix).</exception>
    public static async Task<NodeHost> StartAsync(ClusterSpec spec, NodeServices services, string isolation, IPAddress? address, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var nodeId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        if (spec.IsLocalhost)
        {
            // One node at a time picks its ports and binds them: concurrent starts on one machine queue on this lock.
            var lockPath = Path.Combine(Path.GetTempPath(), "hyperagents-cluster-localhost.lock");
            for (var tries = 0; ; tries++)
            {
                FileStream held;
                try
                {
                    held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (tries < 600)
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await using (held.ConfigureAwait(false))
                {
                    var k = Enumerable.Range(0, ClusterSpec.LocalMaxNodes).FirstOrDefault(i => ClusterSpec.PortFree(ClusterSpec.LocalSiloBase + i) && ClusterSpec.PortFree(ClusterSpec.LocalGatewayBase + i), -1);
                    if (k < 0)
                    {
                        throw new InvalidOperationException($"All {ClusterSpec.LocalMaxNodes} node ports of the localhost scheme ({ClusterSpec.LocalSiloBase}+ and {ClusterSpec.LocalGatewayBase}+) are taken.");
                    }

                    var (silo, gateway) = (ClusterSpec.LocalSiloBase + k, ClusterSpec.LocalGatewayBase + k);
                    var primary = new IPEndPoint(IPAddress.Loopback, ClusterSpec.LocalSiloBase);
                    var host = Build(services, isolation, nodeId, logging, b => b.UseLocalhostClustering(silo, gateway, k == 0 ? null : primary, ClusterSpec.ClusterId, ClusterSpec.ClusterId));
                    await host.StartAsync(cancellationToken).ConfigureAwait(false);
                    return new NodeHost(host, nodeId, $"silo 127.0.0.1:{silo}, gateway {gateway}{(k == 0 ? ", primary" : string.Empty)}");
                }
            }
        }

        var ip = address ?? IPAddress.Loopback;
        var (siloPort, gatewayPort) = (ClusterSpec.AnyFreePort(), ClusterSpec.AnyFreePort());
        var membership = spec.Postgres is { } target ? await PostgresMembership.OpenAsync(target, cancellationToken).ConfigureAwait(false) : null;
        try
        {
            var storeHost = Build(services, isolation, nodeId, logging, b =>
            {
                if (membership is not null)
                {
                    b.UseAdoNetClustering(o => (o.Invariant, o.DataSource) = ("Npgsql", membership.DataSource));
                }
                else
                {
                    b.UseRedisClustering(spec.Redis!);
                }

                b.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterSpec.ClusterId, ClusterSpec.ClusterId));
                b.ConfigureEndpoints(ip, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(ip));
            });
            try
            {
                await storeHost.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                storeHost.Dispose();
                throw;
            }

            return new NodeHost(storeHost, nodeId, $"silo {ip}:{siloPort}, gateway {gatewayPort}", membership);
        }
        catch when (membership is not null)
        {
            await membership.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Configures a silo as a node: its name, its worker, its grain. Test clusters use it too.</summary>
    internal static void ConfigureNode(ISiloBuilder silo, Func<IServiceProvider, NodeServices> services, string isolation)
    {
        silo.Services.AddSingleton(services);
        silo.Services.AddSingleton(new NodeIdentity(isolation));
        silo.Services.AddSingleton<NodeWorker>();
        silo.Services.AddPlacementDirector<NodePlacement, NodePlacementDirector>();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
            if (_membership is not null)
            {
                await _membership.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static IHost Build(NodeServices services, string isolation, string nodeId, Action<ILoggingBuilder>? logging, Action<ISiloBuilder> clustering) =>
        new HostBuilder()
            .ConfigureLogging(l => logging?.Invoke(l))
            .UseOrleans(silo =>
            {
                clustering(silo);
                silo.Configure<SiloOptions>(o => o.SiloName = nodeId);
                ConfigureNode(silo, _ => services, isolation);
            })
            .Build();
}

/// <summary>An orchestrator's connection to a cluster (an Orleans client).</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly PostgresMembership? _membership;

    private ClusterConnection(IHost host, PostgresMembership? membership) => (_host, _membership) = (host, membership);

    /// <summary>The client.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects to a cluster; fails when no gateway answers.</summary>
    /// <param name="spec">The cluster.</param>
    /// <param name="logging">Log configuration.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <exception cref="ClusterMembershipException">PostgreSQL membership cannot be used (one line naming the fix).</exception>
    public static async Task<ClusterConnection> ConnectAsync(ClusterSpec spec, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var membership = spec.Postgres is { } target ? await PostgresMembership.OpenAsync(target, cancellationToken).ConfigureAwait(false) : null;
        var host = new HostBuilder()
            .ConfigureLogging(l => logging?.Invoke(l))
            .UseOrleansClient(c => spec.ConfigureClient(c, membership))
            .Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            if (membership is not null)
            {
                await membership.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new ClusterConnection(host, membership);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
            if (_membership is not null)
            {
                await _membership.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
