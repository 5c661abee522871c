using Hyperagents.Hosting.Sessions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hyperagents.Models;

/// <summary>The run's language models, composed once by the CLI: provider clients over one resilient HTTP client, the
/// run-wide concurrency cap, the price table and the <see cref="TokenLedger"/>. Hands out one
/// <see cref="ChatService"/> per agent session.</summary>
/// <example>
/// <code>
/// var options = ModelOptions.Load(configPath) with { Model = "openai:gpt-4.1" };   // flags applied by the CLI
/// using var models = ModelServices.Create(options, loggerFactory);                 // throws ModelConfigurationException
/// var chat = models.OpenSession(variantId);                                          // IChatService for AgentSession
/// var session = AgentSession.ForMeta(workspace, tools, models.HasModel(ChatRole.Meta) ? chat : null, sessionOptions);
/// // ... archive chat.TranscriptJson(); persist models.Ledger.ToJson(); stop the loop when models.Ledger.Exhausted
/// </code>
/// </example>
public sealed class ModelServices : IDisposable
{
    private readonly Dictionary<ModelSpec, ModelRoute> _routes = [];
    private readonly ModelRoute? _replay;
    private readonly IReadOnlyList<WeightedModel> _meta;
    private readonly IReadOnlyList<WeightedModel> _task;
    private readonly SemaphoreSlim _slots;
    private readonly HttpClient? _http;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly HashSet<string> _unpricedWarned = [];
    private int _waiting;
    private int _inFlight;

    private ModelServices(ModelOptions options, ILoggerFactory loggerFactory, TokenLedger ledger, PriceTable prices, SecretScrubber scrubber, HttpClient? http, ModelRoute? replay)
    {
        Options = options;
        Ledger = ledger;
        Prices = prices;
        Scrubber = scrubber;
        _http = http;
        _replay = replay;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Hyperagents.Models");
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        _meta = replay is null ? options.ModelsFor(ChatRole.Meta) : [];
        _task = replay is null ? options.ModelsFor(ChatRole.Task) : [];
    }

    /// <summary>The options in force.</summary>
    public ModelOptions Options { get; }

    /// <summary>The run's tokens, money and budgets.</summary>
    public TokenLedger Ledger { get; }

    /// <summary>The prices in force.</summary>
    public PriceTable Prices { get; }

    /// <summary>Model calls waiting for a slot under <see cref="ModelOptions.MaxConcurrency"/>.</summary>
    public int CallsWaiting => Volatile.Read(ref _waiting);

    /// <summary>Model calls holding a slot.</summary>
    public int CallsInFlight => Volatile.Read(ref _inFlight);

    /// <summary>For <see cref="SessionOptions.TokensLeft"/>: the run's equivalent tokens left.</summary>
    public Func<long?> TokensLeft => () => Ledger.TokensLeft;

    internal SecretScrubber Scrubber { get; }

    /// <summary>Validates the options and builds the provider clients. No network call is made.</summary>
    /// <param name="options">The options (config, environment and flags already merged).</param>
    /// <param name="loggerFactory">Where to log; <see langword="null"/> for nowhere. Keys and headers are never logged.</param>
    /// <param name="resume">Ledger totals of an interrupted run to continue, or <see langword="null"/>.</param>
    /// <exception cref="ModelConfigurationException">The options are invalid; the message lists every problem and its fix.</exception>
    public static ModelServices Create(ModelOptions options, ILoggerFactory? loggerFactory = null, TokenLedgerState? resume = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;
        var prices = PriceTable.LoadWithOverrides(options.Prices);
        var keys = Enum.GetValues<ModelProvider>().Select(options.ReadKey).OfType<string>().ToList();
        var scrubber = new SecretScrubber([.. keys, Providers.NoKey]);
        var http = ModelHttp.Create(options, loggerFactory.CreateLogger("Hyperagents.Models.Http"), scrubber);
        var services = new ModelServices(options, loggerFactory, new TokenLedger(new ModelBudgets(options.TokenBudget, options.MoneyBudgetUsd), resume), prices, scrubber, http, null);
        try
        {
            foreach (var member in services._meta.Concat(services._task))
            {
                if (!services._routes.ContainsKey(member.Spec))
                {
                    services._routes[member.Spec] = Providers.Create(member.Spec, options, http);
                }
            }
        }
        catch
        {
            services.Dispose();
            throw;
        }

        return services;
    }

    /// <summary>Serves recorded exchanges for both roles, with no endpoint: a replayed <c>ModifySelf</c> gets the same
    /// replies and fails loudly (<c>replay-miss</c>) on a request that was not recorded.</summary>
    /// <param name="recorded">Exchanges of one or more transcripts, in recorded order.</param>
    /// <param name="options">Defaults applied to requests (temperature, output cap); they must match the recording's.
    /// <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where to log.</param>
    public static ModelServices CreateReplay(IEnumerable<ModelExchange> recorded, ModelOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new ModelOptions();
        var client = new ReplayChatClient(recorded);
        var route = new ModelRoute("replay", "replay", "replay", null, true, client);
        return new ModelServices(options with { Stream = false }, loggerFactory ?? NullLoggerFactory.Instance, new TokenLedger(), PriceTable.Default, new SecretScrubber([]), null, route);
    }

    /// <summary>Whether a role has a model; when not, pass no chat service to the session (agents get <c>no-model</c>
    /// and the seed meta agent uses the offline mutation toolkit).</summary>
    /// <param name="role">The role.</param>
    public bool HasModel(ChatRole role) => _replay is not null || (role == ChatRole.Meta ? _meta : _task).Count > 0;

    /// <summary>The models of a role, as weighted members.</summary>
    /// <param name="role">The role.</param>
    public IReadOnlyList<WeightedModel> ModelsFor(ChatRole role) => role == ChatRole.Meta ? _meta : _task;

    /// <summary>A chat service for one agent session (variant), with its own transcript.</summary>
    /// <param name="session">The session id, e.g. the variant's id plus the entry point; the key of its ledger totals.</param>
    /// <param name="metaArm">The index in <see cref="ModelsFor"/>(<see cref="ChatRole.Meta"/>) of the member every meta
    /// call of the session uses (the model bandit's choice), or <see langword="null"/> for the weighted draw per call.</param>
    /// <param name="carried">The budgets of a run elsewhere that sent this session (a cluster node's session), on top of
    /// this process's own; <see langword="null"/> for none.</param>
    public ChatService OpenSession(string session, int? metaArm = null, CarriedBudget? carried = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(session);
        if (metaArm is { } arm && (arm < 0 || arm >= _meta.Count))
        {
            throw new ArgumentOutOfRangeException(nameof(metaArm), arm, $"The meta ensemble has {_meta.Count} member(s).");
        }

        return new ChatService(this, session, _logger, metaArm, carried);
    }

    /// <summary>The underlying client of a configured model, for tests and diagnostics.</summary>
    /// <param name="spec">The model.</param>
    public IChatClient? ClientFor(ModelSpec spec) => _routes.TryGetValue(spec, out var route) ? route.Client : null;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var route in _routes.Values)
        {
            route.Client.Dispose();
        }

        _replay?.Client.Dispose();
        _http?.Dispose();
        _slots.Dispose();
    }

    internal ModelRoute? Route(ChatRole role, string session, int sequence, int? pinned = null)
    {
        if (_replay is not null)
        {
            return _replay;
        }

        var members = role == ChatRole.Meta ? _meta : _task;
        return members.Count == 0 ? null : _routes[members[pinned ?? ChatService.Pick(members, Options.EnsembleSeed, session, role, sequence)].Spec];
    }

    internal async Task EnterAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        Interlocked.Increment(ref _inFlight);
    }

    internal void Exit()
    {
        Interlocked.Decrement(ref _inFlight);
        _slots.Release();
    }

    internal decimal Price(ModelRoute route, long input, long output)
    {
        if (Prices.Find(route.ModelId) is { } price)
        {
            return price.Cost(input, output);
        }

        if (!route.Local && route.Provider != "replay")
        {
            bool first;
            lock (_unpricedWarned)
            {
                first = _unpricedWarned.Add(route.Model);
            }

            if (first)
            {
                _logger.LogWarning("The price table has no price for {Model}; its calls are counted at $0. Add it with --prices <file>.", route.Model);
            }
        }

        return 0m;
    }
}
