using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans;
using Orleans.Hosting;
using Orleans.Messaging;

namespace Hyperagents.Cluster;

/// <summary>Where a cluster's membership lives: <c>localhost</c> or <c>localhost/&lt;name&gt;</c> (nodes on this
/// machine, membership in a file of this user's, no node special), <c>redis://host:port</c> or
/// <c>postgresql://user@host:port/database</c> (any number of machines).</summary>
public sealed record ClusterSpec
{
    /// <summary>The Orleans cluster and service id of every Redis or PostgreSQL hyperagents cluster (they name, never
    /// authenticate); a localhost cluster's ids also hold its name (<see cref="OrleansId"/>).</summary>
    public const string ClusterId = "hyperagents";

    /// <summary>The name of the localhost cluster <c>--cluster localhost</c> means.</summary>
    public const string DefaultLocalName = "default";

    private ClusterSpec(string text, string? redis, PostgresTarget? postgres = null, string? localName = null)
    {
        Text = text;
        Redis = redis;
        Postgres = postgres;
        LocalName = localName;
    }

    /// <summary>The spec as shown and stored (a PostgreSQL spec in its normal form, a localhost one as
    /// <c>localhost/&lt;name&gt;</c>; it never holds a password).</summary>
    public string Text { get; }

    /// <summary>The Redis endpoint (<c>host:port</c>) for Redis membership, else <see langword="null"/>.</summary>
    public string? Redis { get; }

    /// <summary>The database of PostgreSQL membership, else <see langword="null"/>.</summary>
    public PostgresTarget? Postgres { get; }

    /// <summary>The name of a localhost cluster (<c>default</c> for plain <c>localhost</c>), else <see langword="null"/>.</summary>
    public string? LocalName { get; }

    /// <summary>Whether this is a cluster of nodes on this machine.</summary>
    public bool IsLocalhost => LocalName is not null;

    /// <summary>The Orleans cluster and service id: silos with different ids refuse each other, so two localhost
    /// clusters stay apart even if one's node is pointed at the other's.</summary>
    public string OrleansId => LocalName is { } name ? $"{ClusterId}-localhost-{name}" : ClusterId;

    /// <summary>Where membership lives, for messages: what a user checks when the cluster cannot be reached.</summary>
    public string MembershipHint => Redis is not null ? "check that Redis is reachable from this machine"
        : Postgres is not null ? "check that PostgreSQL is reachable from this machine"
        : $"the nodes of {Text} are listed in {Path.Combine(LocalClusterFolder.For(LocalName!), "membership.json")}: start them as the same user, with the same --cluster";

    /// <summary>Parses <c>--cluster</c>.</summary>
    /// <param name="text">The value.</param>
    /// <param name="error">Why it is not a spec, naming the fix.</param>
    public static ClusterSpec? Parse(string text, out string? error)
    {
        error = null;
        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new ClusterSpec($"localhost/{DefaultLocalName}", null, localName: DefaultLocalName);
        }

        if (text.StartsWith("localhost/", StringComparison.OrdinalIgnoreCase))
        {
            var name = text["localhost/".Length..];
            if (name.Length is 0 or > 64 || name.Trim('.').Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                error = $"--cluster '{new string([.. text.Select(c => char.IsControl(c) ? '?' : c)])}': a localhost cluster's name is 1 to 64 letters, digits, '-', '_' or '.' (not only dots), e.g. localhost/experiment-2.";
                return null;
            }

            return new ClusterSpec($"localhost/{name}", null, localName: name);
        }

        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            return new ClusterSpec(text, $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}");
        }

        if (text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return PostgresTarget.Parse(text, out error) is { } target ? new ClusterSpec(target.ToString(), null, target) : null;
        }

        error = $"--cluster '{Redact(text)}' is not a cluster: use 'localhost' or 'localhost/<name>' (nodes on this machine), 'redis://host:port' (membership in Redis) or 'postgresql://user@host:port/database' (membership in PostgreSQL).";
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

    /// <summary>Configures an orchestrator's client.</summary>
    internal void ConfigureClient(IClientBuilder client, PostgresMembership? membership, FileMembershipTable? local)
    {
        // A draw may take as long as its task limit allows; a node that dies is noticed through membership instead
        // (the dispatcher stops waiting on its calls), so this is only the last guard.
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromHours(1));
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (OrleansId, OrleansId));
        if (Redis is { } redis)
        {
            client.UseRedisClustering(redis);
        }
        else if (membership is not null)
        {
            client.UseAdoNetClustering(o => (o.Invariant, o.DataSource) = ("Npgsql", membership.DataSource));
        }
        else
        {
            // Reading a local file is cheap: the client learns of new gateways (and loses dead ones) within seconds.
            var refresh = TimeSpan.FromSeconds(2);
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = refresh);
            client.Services.AddSingleton<IGatewayListProvider>(new FileGatewayListProvider(local!, refresh));
        }
    }

    /// <summary>Checks a localhost cluster's membership before anything starts: its folder (made for this user only)
    /// and its file (absent, or a table of this cluster). Other specs are checked when they connect.</summary>
    /// <exception cref="ClusterMembershipException">The folder or the file cannot be used (one line naming the fix).</exception>
    public void CheckLocalMembership()
    {
        if (IsLocalhost)
        {
            _ = OpenLocal();
        }
    }

    /// <summary>Opens a localhost cluster's membership (its folder made for this user only) and checks the file.</summary>
    /// <exception cref="ClusterMembershipException">The folder or the file cannot be used (one line naming the fix).</exception>
    internal FileMembershipTable OpenLocal()
    {
        var table = new FileMembershipTable(LocalClusterFolder.Ensure(LocalName!), OrleansId);
        table.InitializeMembershipTableAsync(false, CancellationToken.None).GetAwaiter().GetResult();
        return table;
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

    /// <summary>Starts a node: it listens on two ports the OS gives it (silo and gateway) and joins the cluster's
    /// membership (a localhost cluster's file, Redis or PostgreSQL); no node is special.</summary>
    /// <param name="spec">The cluster.</param>
    /// <param name="services">What it runs draws with.</param>
    /// <param name="isolation">Its isolation tier's name.</param>
    /// <param name="address">The address other machines reach it on (Redis or PostgreSQL membership); loopback by
    /// default, and always on localhost.</param>
    /// <param name="logging">Log configuration.</param>
    /// <param name="cancellationToken">Stops start-up.</param>
    /// <exception cref="ClusterMembershipException">The membership cannot be used (one line naming the fix).</exception>
    public static async Task<NodeHost> StartAsync(ClusterSpec spec, NodeServices services, string isolation, IPAddress? address, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var nodeId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        var ip = spec.IsLocalhost ? IPAddress.Loopback : address ?? IPAddress.Loopback;
        var (siloPort, gatewayPort) = (ClusterSpec.AnyFreePort(), ClusterSpec.AnyFreePort());
        var local = spec.IsLocalhost ? spec.OpenLocal() : null;
        var membership = spec.Postgres is { } target ? await PostgresMembership.OpenAsync(target, cancellationToken).ConfigureAwait(false) : null;
        try
        {
            var host = Build(services, isolation, nodeId, logging, b =>
            {
                if (local is not null)
                {
                    b.Services.AddSingleton<IMembershipTable>(local);

                    // Heartbeats into a local file are cheap: a row whose heartbeat is 10 s old is stale, so a node
                    // joining after earlier ones were killed waits seconds, not a minute, before it stops waiting on
                    // them (Orleans' own probes then declare them dead).
                    b.Configure<ClusterMembershipOptions>(o => (o.IAmAliveTablePublishTimeout, o.NumMissedTableIAmAliveLimit) = (TimeSpan.FromSeconds(5), 2));
                }
                else if (membership is not null)
                {
                    b.UseAdoNetClustering(o => (o.Invariant, o.DataSource) = ("Npgsql", membership.DataSource));
                }
                else
                {
                    b.UseRedisClustering(spec.Redis!);
                }

                b.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (spec.OrleansId, spec.OrleansId));
                b.ConfigureEndpoints(ip, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(ip));
            });
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                host.Dispose();
                throw;
            }

            return new NodeHost(host, nodeId, $"silo {ip}:{siloPort}, gateway {gatewayPort}{(spec.IsLocalhost ? $", cluster {spec.Text}" : string.Empty)}", membership);
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
        var local = spec.IsLocalhost ? spec.OpenLocal() : null;
        var membership = spec.Postgres is { } target ? await PostgresMembership.OpenAsync(target, cancellationToken).ConfigureAwait(false) : null;
        var host = new HostBuilder()
            .ConfigureLogging(l => logging?.Invoke(l))
            .UseOrleansClient(c => spec.ConfigureClient(c, membership, local))
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
