using System.CommandLine;
using System.Net;
using Hyperagents.Cli.Runs;
using Hyperagents.Cluster;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents node</c>: a worker node of a cluster (an Orleans silo) that runs the draws of evaluations
/// for an orchestrator (<c>run --cluster</c>) until stopped.</summary>
internal static class NodeCommand
{
    public static Command Create(CliContext context)
    {
        var cluster = new Option<string>("--cluster") { Description = "The cluster: localhost or localhost/<name> (nodes on this machine; each name is a separate cluster, any node may stop), redis://host:port (membership in Redis) or postgresql://user@host:port/database (membership in PostgreSQL; password from PGPASSWORD or HYPERAGENTS_CLUSTER_DB_PASSWORD_FILE).", Required = true };
        var slots = new Option<int?>("--slots") { Description = "Draws this node runs at once (default: its processor count)." };
        var isolation = new Option<string?>("--isolation") { Description = "Where agent code runs on this node: sandbox (default), contained or native." };
        var address = new Option<string?>("--address") { Description = "With Redis or PostgreSQL membership: the IP address other machines reach this node on (default 127.0.0.1)." };
        var command = new Command("node", "Run a worker node of a cluster: it runs ModifySelf sessions (with its own model configuration and keys) and evaluations for `run --cluster` (the secret comes from HYPERAGENTS_CLUSTER_SECRET; see docs/cluster.md).");
        command.Options.Add(cluster);
        command.Options.Add(slots);
        command.Options.Add(isolation);
        command.Options.Add(address);
        command.SetAction((parse, ct) => RunAsync(context, parse.GetValue(cluster)!, parse.GetValue(slots), parse.GetValue(isolation), parse.GetValue(address), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string cluster, int? slotsGiven, string? isolationGiven, string? addressGiven, CancellationToken ct)
    {
        var (spec, secret, error) = ClusterRuns.Resolve(cluster);
        if (error is not null)
        {
            return ArchiveCommandSupport.Error(context, error);
        }

        var slots = slotsGiven ?? Environment.ProcessorCount;
        if (slots is < 1 or > 1024)
        {
            return ArchiveCommandSupport.Error(context, $"--slots {slots}: give a number from 1 to 1024.");
        }

        IPAddress? address = null;
        if (addressGiven is not null && !IPAddress.TryParse(addressGiven, out address))
        {
            return ArchiveCommandSupport.Error(context, $"--address '{addressGiven}' is not an IP address; give the address other machines reach this node on.");
        }

        var isolation = RunnerRegistry.Normalize(isolationGiven ?? "sandbox");
        IAgentRunner runner;
        try
        {
            runner = Runners.Create(isolation, slots);
        }
        catch (Exception ex) when (ex is SandboxUnavailableException or ContainedUnavailableException or UnknownRunnerException)
        {
            return ArchiveCommandSupport.Error(context, ex.Message);
        }

        // The node's own model configuration and keys (HYPERAGENTS_MODEL / HYPERAGENTS_META_MODEL, OPENAI_API_KEY, …):
        // the sessions it runs call models from here; no key ever comes from the orchestrator.
        Hyperagents.Models.ModelServices? models;
        try
        {
            var modelOptions = Hyperagents.Models.ModelOptions.Load(null);
            models = modelOptions.HasAnyModel ? Hyperagents.Models.ModelServices.Create(modelOptions) : null;
        }
        catch (Exception ex) when (ex is InvalidOptionsException or ArgumentException)
        {
            await runner.DisposeAsync().ConfigureAwait(false);
            return ArchiveCommandSupport.Error(context, $"The node's model configuration is invalid: {ex.Message}");
        }

        CliContext.ConfigureLogging(CliContext.DefaultLogDirectory(), verbose: false);
        using var ownedModels = models;
        await using (runner.ConfigureAwait(false))
        {
            using var compiler = Runners.Compiler();
            NodeHost node;
            try
            {
                node = await NodeHost.StartAsync(spec!, ClusterRuns.NodeServices(secret!, runner, compiler, slots, models), isolation, address, ClusterRuns.Logging, ct).ConfigureAwait(false);
            }
            catch (ClusterMembershipException ex)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Orleans.Runtime.OrleansException or System.Net.Sockets.SocketException or TimeoutException)
            {
                return ArchiveCommandSupport.Error(context, $"The node could not join the cluster: {ex.Message}; {spec!.MembershipHint}.");
            }

            await using (node.ConfigureAwait(false))
            {
                var modelLine = models is null ? "offline mutation engine (no model configured on this node)" : "models from this node's environment";
                context.Console.MarkupLine(Markup.Escape($"node {node.NodeId} ready: {node.Endpoint}, {slots} slots, {isolation} isolation, {modelLine}. Ctrl+C stops it."));
                try
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                context.Console.MarkupLine("node stopping.");
            }
        }

        return 0;
    }
}
