using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Models;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace Hyperagents.Cli.Runs;

/// <summary>Composes a run from its settings: archive, domain, compiler, runner, models and the loop.</summary>
internal sealed class RunHost : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private RunHost(ArchiveRun archive, RunSettings settings, IDomain domain, IAgentRunner runner, ModelServices? models, DgmhLoop loop, ILoggerFactory loggers, AgentCompiler compiler)
    {
        Compiler = compiler;
        Archive = archive;
        Settings = settings;
        Domain = domain;
        Runner = runner;
        Models = models;
        Loop = loop;
        Loggers = loggers;
    }

    public ArchiveRun Archive { get; }

    public RunSettings Settings { get; }

    public IDomain Domain { get; }

    public IAgentRunner Runner { get; }

    public ModelServices? Models { get; }

    /// <summary>Whether this process has a model of its own (on a cluster <see cref="Models"/> may hold only the ledger).</summary>
    public bool HasModel => Models is not null && (Models.HasModel(ChatRole.Meta) || Models.HasModel(ChatRole.Task));

    public DgmhLoop Loop { get; }

    private ILoggerFactory Loggers { get; }

    private AgentCompiler Compiler { get; }

    /// <summary>Serialises settings for the run manifest.</summary>
    /// <param name="settings">The run's settings.</param>
    /// <param name="models">The model settings given as flags.</param>
    /// <param name="modelConfig">The full path of the <c>--model-config</c> file, so <c>resume</c> and the commands after
    /// it read the same file; <see langword="null"/> when none was given.</param>
    public static JsonElement ToConfig(RunSettings settings, ModelSettings models, string? modelConfig = null) =>
        JsonSerializer.SerializeToElement(new StoredConfig(settings, null, models, modelConfig), Json);

    /// <summary>The <c>--model-config</c> file a run's latest session used, or <see langword="null"/>.</summary>
    /// <param name="manifest">The run's current manifest (<see cref="RunState.CurrentManifest"/>).</param>
    public static string? ModelConfigOf(RunManifest manifest)
    {
        try
        {
            return manifest.Config?.Deserialize<StoredConfig>(Json)?.ModelConfig;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads settings back from a run manifest.</summary>
    /// <exception cref="InvalidOperationException">The manifest holds no readable settings.</exception>
    public static (RunSettings Settings, ModelSettings Models) FromConfig(RunManifest manifest)
    {
        if (manifest.Config is not { } config)
        {
            throw new InvalidOperationException($"Run '{manifest.Name}' has no stored settings; it was not created by `hyperagents run`.");
        }

        var stored = config.Deserialize<StoredConfig>(Json);
        if (stored?.Settings is null)
        {
            throw new InvalidOperationException($"Run '{manifest.Name}' has unreadable settings.");
        }

        // Manifests written before typed model settings hold the flags as given: the same settings, read the same way.
        return (stored.Settings, stored.Models ?? ModelSettings.FromFlags((stored.ModelFlags ?? []).Where(f => f is { Length: 2 }).Select(f => (f[0], f[1]))));
    }

    /// <summary>Builds everything a run needs; nothing runs yet.</summary>
    /// <param name="archive">The run's archive.</param>
    /// <param name="settings">The run's settings.</param>
    /// <param name="modelOptions">The model options; models are built only when one is configured.</param>
    /// <param name="listener">Receives run events.</param>
    /// <param name="replayModels">Models to use instead of building them from <paramref name="modelOptions"/>
    /// (<c>replay</c> serves recorded exchanges this way); the host disposes them.</param>
    /// <param name="domain">The domain when the caller already opened it; otherwise the run's (its archived package, or
    /// the built-in its settings name). The host disposes it.</param>
    /// <param name="draws">Where the loop's draws run, made from the run's domain (a cluster's dispatcher, which runs the
    /// attempts' sessions too); in this process when <see langword="null"/>.</param>
    public static RunHost Create(ArchiveRun archive, RunSettings settings, ModelOptions modelOptions, Action<RunEvent>? listener, ModelServices? replayModels = null, IDomain? domain = null,
        Func<IDomain, IDrawExecutor>? draws = null)
    {
        var loggers = new SerilogLoggerFactory(Serilog.Log.Logger);
        domain ??= DomainSource.ForRun(archive, settings);
        if (settings.TasksPerSplit is { } perSplit)
        {
            domain = new TaskLimitedDomain(domain, perSplit);
        }

        var compiler = Runners.Compiler();
        var runner = Runners.Create(settings.Isolation, settings.Parallel);
        DomainSource.UseRunner(domain, compiler, runner, settings.CompileTimeout);
        // On a cluster the nodes make model calls even when this process has no model: their usage is charged to this
        // ledger as their results arrive, so the run's budgets hold there as here.
        var models = replayModels ?? (modelOptions.HasAnyModel || draws is not null ? ModelServices.Create(modelOptions, loggers, ModelLedgerStore.Load(archive)) : null);
        if (replayModels is null && models is not null)
        {
            ModelLedgerStore.Attach(archive, models.Ledger);
        }

        var remote = draws?.Invoke(domain);
        var loop = new DgmhLoop(new RunServices
        {
            Archive = archive,
            Settings = settings,
            Domain = domain,
            Compiler = compiler,
            Runner = runner,
            Models = models is null ? ModelAccess.None : new CliModelAccess(models),
            EvaluatorHash = EvaluatorHash.For(domain),
            Tools = Versions.Current(runner),
            Logger = loggers.CreateLogger("run"),
            Listener = listener,
            Features = ((domain as TaskLimitedDomain)?.Inner ?? domain) is PackageDomain package ? package.Package.Features : null,
            Draws = remote,
            Attempts = remote as IAttemptExecutor,
        });
        return new RunHost(archive, settings, domain, runner, models, loop, loggers, compiler);
    }

    public async ValueTask DisposeAsync()
    {
        await Runner.DisposeAsync().ConfigureAwait(false);
        Compiler.Dispose();
        (Domain as IDisposable)?.Dispose();
        Models?.Dispose();
        Loggers.Dispose();
    }

    /// <summary>What the manifest stores: the settings and the model flags as given (keys never are: they come from the environment).</summary>
    /// <summary>The manifest's <c>config</c>.</summary>
    /// <param name="Settings">The run settings.</param>
    /// <param name="ModelFlags">Model flags as given, in manifests written before <paramref name="Models"/>; read only.</param>
    /// <param name="Models">The model settings given on the command line.</param>
    /// <param name="ModelConfig">The full path of the <c>--model-config</c> file; absent when none was given.</param>
    private sealed record StoredConfig(RunSettings Settings, List<string[]>? ModelFlags, ModelSettings? Models, string? ModelConfig = null);
}
