using System.Text.Json;

namespace Hyperagents.Models;

/// <summary>Token and money totals of a set of calls.</summary>
/// <param name="Calls">Calls that reached a model (refusals excluded).</param>
/// <param name="InputTokens">Input tokens.</param>
/// <param name="OutputTokens">Output tokens.</param>
/// <param name="CostUsd">Money, priced by the price table.</param>
public sealed record UsageTotals(long Calls, long InputTokens, long OutputTokens, decimal CostUsd)
{
    /// <summary>No usage.</summary>
    public static UsageTotals Zero { get; } = new(0, 0, 0, 0m);

    /// <summary>Equivalent tokens, T_eq = T_out + 0.25·T_in.</summary>
    public double EquivalentTokens => TokenLedger.Equivalent(InputTokens, OutputTokens);

    internal UsageTotals Add(long input, long output, decimal cost) =>
        new(Calls + 1, InputTokens + input, OutputTokens + output, CostUsd + cost);

    /// <summary>These totals and <paramref name="other"/>'s together.</summary>
    /// <param name="other">More usage.</param>
    public UsageTotals Plus(UsageTotals other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Calls + other.Calls, InputTokens + other.InputTokens, OutputTokens + other.OutputTokens, CostUsd + other.CostUsd);
    }
}

/// <summary>The run's budgets.</summary>
/// <param name="MaxEquivalentTokens">Equivalent tokens (T_out + 0.25·T_in), or <see langword="null"/> for no limit.</param>
/// <param name="MaxCostUsd">US dollars, or <see langword="null"/> for no limit.</param>
public sealed record ModelBudgets(long? MaxEquivalentTokens = null, decimal? MaxCostUsd = null)
{
    /// <summary>No limits.</summary>
    public static ModelBudgets Unlimited { get; } = new();
}

/// <summary>The serialisable state of a <see cref="TokenLedger"/>, so a resumed run continues its totals.</summary>
/// <param name="Run">The run's totals.</param>
/// <param name="BySession">Totals per session (variant).</param>
/// <param name="ByModel">Totals per model spec.</param>
public sealed record TokenLedgerState(
    UsageTotals Run,
    IReadOnlyDictionary<string, UsageTotals> BySession,
    IReadOnlyDictionary<string, UsageTotals> ByModel);

/// <summary>Input and output tokens and money per call, per session (variant) and per run, against the run's budgets.
/// Thread-safe.</summary>
/// <remarks>A call is admitted while the budgets are not spent; its usage is recorded when it returns, so concurrent
/// calls may overshoot a budget by at most the calls then in flight. Once spent, <see cref="Exhausted"/> is true, new
/// calls are refused with <c>budget-exhausted</c>, and the loop can stop cleanly.</remarks>
public sealed class TokenLedger
{
    private readonly object _gate = new();
    private readonly Dictionary<string, UsageTotals> _bySession = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UsageTotals> _byModel = new(StringComparer.Ordinal);
    private UsageTotals _run = UsageTotals.Zero;

    /// <summary>Creates a ledger, empty or continuing a saved state.</summary>
    /// <param name="budgets">The run's budgets.</param>
    /// <param name="resume">The state of an earlier run to continue, or <see langword="null"/>.</param>
    public TokenLedger(ModelBudgets? budgets = null, TokenLedgerState? resume = null)
    {
        Budgets = budgets ?? ModelBudgets.Unlimited;
        if (resume is not null)
        {
            _run = resume.Run;
            foreach (var (key, value) in resume.BySession)
            {
                _bySession[key] = value;
            }

            foreach (var (key, value) in resume.ByModel)
            {
                _byModel[key] = value;
            }
        }
    }

    /// <summary>The budgets.</summary>
    public ModelBudgets Budgets { get; }

    /// <summary>The run's totals.</summary>
    public UsageTotals Run
    {
        get
        {
            lock (_gate)
            {
                return _run;
            }
        }
    }

    /// <summary>Whether a budget is spent; new calls are refused.</summary>
    public bool Exhausted => ExhaustedReason is not null;

    /// <summary>Which budget is spent and by how much, or <see langword="null"/> while calls are admitted.</summary>
    public string? ExhaustedReason => ExhaustedReasonOf(Budgets, Run);

    /// <summary>Raised after every <see cref="Record"/> and <see cref="Charge"/>, outside the ledger's lock (the CLI
    /// saves the totals then); handlers must not throw.</summary>
    public event Action? Changed;

    /// <summary>Which of <paramref name="budgets"/> <paramref name="run"/> has spent, worded as every refusal and stop
    /// says it, or <see langword="null"/>.</summary>
    /// <param name="budgets">The budgets.</param>
    /// <param name="run">The run's totals.</param>
    public static string? ExhaustedReasonOf(ModelBudgets budgets, UsageTotals run)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        ArgumentNullException.ThrowIfNull(run);
        if (budgets.MaxEquivalentTokens is { } tokens && run.EquivalentTokens >= tokens)
        {
            return $"The run's token budget is spent: {run.EquivalentTokens:0} of {tokens} equivalent tokens (T_out + 0.25·T_in); raise --token-budget to go on.";
        }

        if (budgets.MaxCostUsd is { } usd && run.CostUsd >= usd)
        {
            return $"The run's money budget is spent: ${run.CostUsd:0.0000} of ${usd:0.00}; raise --money-budget to go on.";
        }

        return null;
    }

    /// <summary>Equivalent tokens left, rounded down, or <see langword="null"/> without a token budget.</summary>
    public long? TokensLeft => Budgets.MaxEquivalentTokens is { } max ? Math.Max(0, (long)Math.Floor(max - Run.EquivalentTokens)) : null;

    /// <summary>Dollars left, or <see langword="null"/> without a money budget.</summary>
    public decimal? CostLeftUsd => Budgets.MaxCostUsd is { } max ? Math.Max(0m, max - Run.CostUsd) : null;

    /// <summary>Equivalent tokens: T_out + 0.25·T_in.</summary>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    public static double Equivalent(long inputTokens, long outputTokens) => outputTokens + 0.25 * inputTokens;

    /// <summary>Totals of one session (variant).</summary>
    /// <param name="session">The session id.</param>
    public UsageTotals ForSession(string session)
    {
        lock (_gate)
        {
            return _bySession.GetValueOrDefault(session) ?? UsageTotals.Zero;
        }
    }

    /// <summary>Totals of one model.</summary>
    /// <param name="model">The model spec, e.g. <c>openai:gpt-4.1</c>.</param>
    public UsageTotals ForModel(string model)
    {
        lock (_gate)
        {
            return _byModel.GetValueOrDefault(model) ?? UsageTotals.Zero;
        }
    }

    /// <summary>Records one call's usage.</summary>
    /// <param name="session">The session id.</param>
    /// <param name="model">The model spec.</param>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    /// <param name="costUsd">Its price.</param>
    public void Record(string session, string model, long inputTokens, long outputTokens, decimal costUsd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        lock (_gate)
        {
            _run = _run.Add(inputTokens, outputTokens, costUsd);
            _bySession[session] = (_bySession.GetValueOrDefault(session) ?? UsageTotals.Zero).Add(inputTokens, outputTokens, costUsd);
            _byModel[model] = (_byModel.GetValueOrDefault(model) ?? UsageTotals.Zero).Add(inputTokens, outputTokens, costUsd);
        }

        Changed?.Invoke();
    }

    /// <summary>Charges the usage of calls made elsewhere (a cluster node's session, with that node's keys), which this
    /// process learns of as totals when their result arrives.</summary>
    /// <param name="session">The session id.</param>
    /// <param name="model">The model spec.</param>
    /// <param name="usage">The calls' totals.</param>
    public void Charge(string session, string model, UsageTotals usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        if (usage.Calls < 0 || usage.InputTokens < 0 || usage.OutputTokens < 0 || usage.CostUsd < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(usage), usage, "Usage is never negative.");
        }

        lock (_gate)
        {
            _run = _run.Plus(usage);
            _bySession[session] = (_bySession.GetValueOrDefault(session) ?? UsageTotals.Zero).Plus(usage);
            _byModel[model] = (_byModel.GetValueOrDefault(model) ?? UsageTotals.Zero).Plus(usage);
        }

        Changed?.Invoke();
    }

    /// <summary>A consistent copy of the totals.</summary>
    public TokenLedgerState Snapshot()
    {
        lock (_gate)
        {
            return new TokenLedgerState(
                _run,
                new SortedDictionary<string, UsageTotals>(_bySession, StringComparer.Ordinal),
                new SortedDictionary<string, UsageTotals>(_byModel, StringComparer.Ordinal));
        }
    }

    /// <summary>The totals as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(Snapshot(), ModelJson.Default.TokenLedgerState);

    /// <summary>Reads totals written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON.</param>
    /// <exception cref="JsonException">The JSON is not a ledger state.</exception>
    public static TokenLedgerState ReadState(string json) =>
        JsonSerializer.Deserialize(json, ModelJson.Default.TokenLedgerState) ?? throw new JsonException("The ledger state is null.");
}

/// <summary>The run's budgets as a session that runs away from the run's ledger (on a cluster node) must respect them:
/// the budgets, and what the run had spent when the session was sent. The session's calls are refused once its own
/// usage, added to that, spends a budget, with the words the run's ledger uses on one machine.</summary>
/// <param name="Budgets">The run's budgets.</param>
/// <param name="SpentBefore">The run's totals when the session was sent.</param>
public sealed record CarriedBudget(ModelBudgets Budgets, UsageTotals SpentBefore)
{
    /// <summary>Which budget the run has spent once the session has spent <paramref name="session"/>, or <see langword="null"/>.</summary>
    /// <param name="session">The session's own usage so far.</param>
    public string? ExhaustedReason(UsageTotals session) => TokenLedger.ExhaustedReasonOf(Budgets, SpentBefore.Plus(session));
}
