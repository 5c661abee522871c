using Hyperagents.Cluster;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace Hyperagents.Cli.Runs;

/// <summary>How the CLI puts a run's draws on a cluster (<c>run --cluster</c>) and what a node runs them with
/// (<c>hyperagents node</c>).</summary>
internal static class ClusterRuns
{
    /// <summary>The spec and the secret of <c>--cluster</c>, or the one-line problem.</summary>
    public static (ClusterSpec? Spec, ClusterSecret? Secret, string? Error) Resolve(string cluster)
    {
        if (ClusterSpec.Parse(cluster, out var error) is not { } spec)
        {
            return (null, null, error);
        }

        return ClusterSecret.FromEnvironment(out error) is { } secret ? (spec, secret, null) : (null, null, error);
    }

    /// <summary>A domain as it travels to nodes: a package by its files and hash, a built-in by name and evaluator hash.</summary>
    public static DomainShipment Shipment(IDomain domain)
    {
        var inner = domain is TaskLimitedDomain limited ? limited.Inner : domain;
        if (inner is PackageDomain { Package: var package })
        {
            return new DomainShipment
            {
                Key = "package:" + package.Hash,
                Name = package.Name,
                Hash = package.Hash,
                PackageFiles = package.Files.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal),
            };
        }

        var hash = EvaluatorHash.For(inner);
        return new DomainShipment { Key = $"builtin:{inner.Name}@{hash}", Name = inner.Name, Hash = hash };
    }

    /// <summary>A node's services: its own runner, compiler and models (from its own environment: keys never travel),
    /// domains opened from what arrived.</summary>
    public static NodeServices NodeServices(ClusterSecret secret, IAgentRunner runner, AgentCompiler compiler, int slots, Hyperagents.Models.ModelServices? models = null) => new()
    {
        Secret = secret,
        Runner = runner,
        Slots = slots,
        Compiler = compiler,
        Models = models is null ? static () => ModelAccess.None : () => new CliModelAccess(models),
        OpenDomain = shipment =>
        {
            IDomain domain;
            if (shipment.PackageFiles is { } files)
            {
                var package = DomainPackage.FromFiles(files, $"sent by the orchestrator as {shipment.Key}");
                if (package.Hash != shipment.Hash)
                {
                    throw new ArgumentException($"The domain package sent as {shipment.Hash} hashes to {package.Hash}; refused.");
                }

                domain = DomainSource.OpenPackage(package);
            }
            else
            {
                domain = DomainCatalog.Create(shipment.Name, DomainSource.OpenPackage);
            }

            DomainSource.UseRunner(domain, compiler, runner);
            return domain;
        },
    };

    /// <summary>Serilog behind Orleans' logging, warnings and above (Orleans is chatty).</summary>
    public static void Logging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddProvider(new SerilogLoggerProvider(Serilog.Log.Logger));
    }
}
