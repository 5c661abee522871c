using Hyperagents.Archive;
using Hyperagents.Hosting.Sessions;

namespace Hyperagents.Engine;

/// <summary>How the loop reaches language models: one chat session per agent call, with its usage and exchanges
/// readable afterwards for the archive. The offline engine uses <see cref="ModelAccess.None"/>.</summary>
public interface IModelAccess
{
    /// <summary>A chat for one <c>ModifySelf</c> call, or <see langword="null"/> when no meta model is configured.</summary>
    /// <param name="session">A unique session id, e.g. <c>attempt-7/meta</c>.</param>
    IChatService? OpenMeta(string session);

    /// <summary>The meta ensemble's members (<c>provider:model-id</c>), the arms of the model bandit; empty offline.</summary>
    IReadOnlyList<string> MetaModels => [];

    /// <summary>A chat for one <c>ModifySelf</c> call whose meta calls all go to member <paramref name="arm"/> of
    /// <see cref="MetaModels"/> (the model bandit's choice), or <see langword="null"/> when no meta model is configured.</summary>
    /// <param name="session">A unique session id.</param>
    /// <param name="arm">The member's index, or <see langword="null"/> for the ensemble's weighted draw.</param>
    IChatService? OpenMeta(string session, int? arm) => OpenMeta(session);

    /// <summary>A chat for one <c>ModifySelf</c> call sent here by a run elsewhere (a cluster node's session): its calls
    /// are refused, as the run's own would be, once they would spend the run's <paramref name="budget"/>.</summary>
    /// <param name="session">A unique session id.</param>
    /// <param name="arm">The member's index, or <see langword="null"/> for the ensemble's weighted draw.</param>
    /// <param name="budget">The run's budgets and spend when the session was sent, or <see langword="null"/> for none.</param>
    IChatService? OpenMeta(string session, int? arm, ModelBudget? budget) => OpenMeta(session, arm);

    /// <summary>The run's model budgets and what it has spent, as a session sent elsewhere carries them; <see langword="null"/>
    /// when the run has no model budget.</summary>
    ModelBudget? Budget => null;

    /// <summary>Charges model calls made elsewhere, with another process's keys, to the run's ledger: every usage that
    /// comes back from a cluster node goes through here once, when its result is accepted (a session's today; a draw's
    /// when task-side calls are dispatched), so the run's budgets count it and stop the run as they stop it on one
    /// machine.</summary>
    /// <param name="session">The session id the calls were made under (e.g. <c>attempt-7/meta</c>).</param>
    /// <param name="usage">Their totals.</param>
    void Charge(string session, ModelUsage usage);

    /// <summary>A chat for one <c>SolveTask</c> call, or <see langword="null"/> when no task model is configured.</summary>
    /// <param name="session">A unique session id.</param>
    IChatService? OpenTask(string session);

    /// <summary>Ends a <c>ModifySelf</c> session opened with <see cref="OpenMeta(string)"/> and hands back what the variant
    /// records of it; the session is forgotten afterwards. Task sessions are never kept: their usage counts in the run's
    /// ledger only.</summary>
    /// <param name="session">The session id.</param>
    /// <returns>The usage (for provenance) and exchanges (a transcript record), each <see langword="null"/>
    /// when the session made no call.</returns>
    ModelRecord Close(string session);

    /// <summary>Why the run's model budget is spent, or <see langword="null"/> while it is not.</summary>
    string? ExhaustedReason { get; }
}

/// <summary>Model access helpers.</summary>
public static class ModelAccess
{
    /// <summary>No model: the seed's meta agent falls back to the offline mutation toolkit.</summary>
    public static IModelAccess None { get; } = new NoModels();

    private sealed class NoModels : IModelAccess
    {
        public string? ExhaustedReason => null;

        public IChatService? OpenMeta(string session) => null;

        public IChatService? OpenTask(string session) => null;

        public ModelRecord Close(string session) => ModelRecord.Empty;

        public void Charge(string session, ModelUsage usage)
        {
        }
    }
}

/// <summary>A run's model budgets and what it had spent, as a session sent to a cluster node carries them (plain data:
/// the node's model access turns it into its refusals).</summary>
/// <param name="MaxEquivalentTokens">The token budget (T_out + 0.25·T_in), or <see langword="null"/>.</param>
/// <param name="MaxCostUsd">The money budget, or <see langword="null"/>.</param>
/// <param name="SpentCalls">Calls the run had made.</param>
/// <param name="SpentInputTokens">Their input tokens.</param>
/// <param name="SpentOutputTokens">Their output tokens.</param>
/// <param name="SpentCostUsd">Their cost.</param>
public sealed record ModelBudget(long? MaxEquivalentTokens, decimal? MaxCostUsd, long SpentCalls, long SpentInputTokens, long SpentOutputTokens, decimal SpentCostUsd);

/// <summary>What a variant records of its <c>ModifySelf</c> model session.</summary>
/// <param name="Usage">Tokens, calls and cost; <see langword="null"/> when no call was made.</param>
/// <param name="Transcript">The exchanges, one transcript record; <see langword="null"/> when none.</param>
public sealed record ModelRecord(ModelUsage? Usage, ModelRecordLine? Transcript)
{
    /// <summary>No call was made.</summary>
    public static ModelRecord Empty { get; } = new(null, null);
}
