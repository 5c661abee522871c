using System.Text.Json;
using Hyperagents.Cluster;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;
using Spectre.Console;

namespace Hyperagents.Cli.Runs;

/// <summary>The cluster cannot be reached.</summary>
/// <param name="message">What failed and how to fix it.</param>
internal sealed class ClusterUnavailableException(string message) : Exception(message);

/// <summary>A run session's cluster: the connection, the dispatcher the loop's draws go through, and the node table
/// <c>status</c> shows (written next to the run's log while the session lasts).</summary>
internal sealed class ClusterSession(ClusterSpec spec, ClusterSecret secret, RunLimits limits) : IAsyncDisposable
{
    private ClusterConnection? _connection;
    private ClusterDispatcher? _dispatcher;
    private string? _statusPath;
    private Timer? _status;

    /// <summary>Where a run's node table is written while a <c>--cluster</c> session runs.</summary>
    public static string StatusPath(string archiveFolder, string runName) => Path.Combine(archiveFolder, "logs", runName + ".cluster.json");

    /// <summary>Checks a store's membership before anything is archived (PostgreSQL: the login and the tables,
    /// created when absent; localhost: the cluster's folder and file); the one-line problem, or <see langword="null"/>.</summary>
    public async Task<string?> CheckAsync(CancellationToken ct)
    {
        try
        {
            spec.CheckLocalMembership();
            if (spec.Postgres is { } target)
            {
                await (await PostgresMembership.OpenAsync(target, ct).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }

            return null;
        }
        catch (ClusterMembershipException ex)
        {
            return ex.Message;
        }
    }

    public async Task ConnectAsync(CliContext context, string archiveFolder, string runName, CancellationToken ct)
    {
        try
        {
            _connection = await ClusterConnection.ConnectAsync(spec, ClusterRuns.Logging, ct).ConfigureAwait(false);
        }
        catch (ClusterMembershipException ex)
        {
            throw new ClusterUnavailableException(ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var hint = spec.IsLocalhost ? $"start `hyperagents node --cluster {spec.Text}` first" : spec.MembershipHint + ", and that nodes are running";
            throw new ClusterUnavailableException($"Cannot connect to cluster {spec.Text}: {ex.Message}; {hint}.");
        }

        _statusPath = StatusPath(archiveFolder, runName);
        context.Console.MarkupLine(Markup.Escape($"cluster {spec.Text}: evaluations go to its nodes as they join (node table in {_statusPath})."));
    }

    /// <summary>The dispatcher for the run's domain.</summary>
    public IDrawExecutor Dispatcher(IDomain domain)
    {
        var logger = new SerilogLoggerFactory(Serilog.Log.Logger).CreateLogger("cluster");
        _dispatcher = new ClusterDispatcher(_connection!.Client, secret, ClusterRuns.Shipment(domain), limits, logger);
        _status = new Timer(_ => WriteStatus(), null, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        return _dispatcher;
    }

    public async ValueTask DisposeAsync()
    {
        if (_status is not null)
        {
            await _status.DisposeAsync().ConfigureAwait(false);
        }

        WriteStatus();
        if (_dispatcher is not null)
        {
            await _dispatcher.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void WriteStatus()
    {
        if (_dispatcher is null || _statusPath is null)
        {
            return;
        }

        try
        {
            var table = new ClusterStatus(spec.Text, DateTime.UtcNow, _dispatcher.Nodes);
            var temp = _statusPath + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(table, ClusterStatus.Json));
            File.Move(temp, _statusPath, overwrite: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The node table of a <c>--cluster</c> session, as <c>status</c> reads it.</summary>
/// <param name="Cluster">The cluster spec.</param>
/// <param name="At">When it was written.</param>
/// <param name="Nodes">The nodes.</param>
internal sealed record ClusterStatus(string Cluster, DateTime At, IReadOnlyList<NodeStatus> Nodes)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static ClusterStatus? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ClusterStatus>(File.ReadAllText(path), Json) : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }
}
