using System.Collections.Concurrent;
using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Engine;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Models;

namespace Hyperagents.Cli.Runs;

/// <summary>The loop's view of <see cref="ModelServices"/>: one <see cref="ChatService"/> per agent call. A meta session
/// is kept until <see cref="Close"/> hands its usage (for provenance) and exchanges (for the transcript, one
/// <see cref="ModelRecordLine"/>) to the variant; task sessions are not kept at all (their usage is in the
/// run's ledger), so no chat session or transcript outlives its call.</summary>
internal sealed class CliModelAccess(ModelServices models) : IModelAccess
{
    private readonly ConcurrentDictionary<string, ChatService> _metaSessions = new();

    public string? ExhaustedReason => models.Ledger.ExhaustedReason;

    /// <summary>How many meta sessions are open (tests check that closing forgets them).</summary>
    public int OpenSessions => _metaSessions.Count;

    public IReadOnlyList<string> MetaModels => [.. models.ModelsFor(ChatRole.Meta).Select(m => m.Spec.ToString())];

    public IChatService? OpenMeta(string session) => OpenMeta(session, null);

    public IChatService? OpenMeta(string session, int? arm) =>
        models.HasModel(ChatRole.Meta) ? _metaSessions.GetOrAdd(session, s => models.OpenSession(s, arm < models.ModelsFor(ChatRole.Meta).Count ? arm : null)) : null;

    public IChatService? OpenMeta(string session, int? arm, ModelBudget? budget)
    {
        if (budget is null)
        {
            return OpenMeta(session, arm);
        }

        // A session sent by a run elsewhere: its calls also stop where they would spend that run's budget.
        var carried = new CarriedBudget(new ModelBudgets(budget.MaxEquivalentTokens, budget.MaxCostUsd),
            new UsageTotals(budget.SpentCalls, budget.SpentInputTokens, budget.SpentOutputTokens, budget.SpentCostUsd));
        return models.HasModel(ChatRole.Meta) ? _metaSessions.GetOrAdd(session, s => models.OpenSession(s, arm < models.ModelsFor(ChatRole.Meta).Count ? arm : null, carried)) : null;
    }

    public ModelBudget? Budget
    {
        get
        {
            var budgets = models.Ledger.Budgets;
            if (budgets.MaxEquivalentTokens is null && budgets.MaxCostUsd is null)
            {
                return null;
            }

            var run = models.Ledger.Run;
            return new ModelBudget(budgets.MaxEquivalentTokens, budgets.MaxCostUsd, run.Calls, run.InputTokens, run.OutputTokens, run.CostUsd);
        }
    }

    public void Charge(string session, ModelUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var model = usage.Provider is { Length: > 0 } provider ? $"{provider}:{usage.Model}" : usage.Model ?? "unknown";
        models.Ledger.Charge(session, model, new UsageTotals(usage.Requests, usage.InputTokens, usage.OutputTokens, usage.CostUsd ?? 0m));
    }

    public IChatService? OpenTask(string session) => models.HasModel(ChatRole.Task) ? models.OpenSession(session) : null;

    public ModelRecord Close(string session)
    {
        if (!_metaSessions.TryRemove(session, out var chat) || chat.Transcript.Count == 0)
        {
            return ModelRecord.Empty;
        }

        var usage = chat.Usage;
        var last = chat.Transcript[^1];
        // The exchange names the model as its spec (provider:id); provenance keeps provider and id apart.
        var model = last.Provider is { Length: > 0 } p && last.Model?.StartsWith(p + ":", StringComparison.Ordinal) == true ? last.Model[(p.Length + 1)..] : last.Model;
        using var exchanges = JsonDocument.Parse(chat.TranscriptJson());
        return new ModelRecord(
            new ModelUsage(last.Provider, model, usage.InputTokens, usage.OutputTokens, (int)usage.Calls, usage.CostUsd),
            new ModelRecordLine(exchanges.RootElement.Clone()));
    }
}
