using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Hyperagents.Models.Tests;

public sealed class PropertyTests
{
    [Property(MaxTest = 300)]
    public bool Ensemble_draws_are_in_range_deterministic_and_never_pick_a_vanishing_weight(PositiveInt a, PositiveInt b, int seed, NonEmptyString session, PositiveInt sequence)
    {
        var members = new[]
        {
            new WeightedModel(new ModelSpec(ModelProvider.OpenAI, "a"), a.Get),
            new WeightedModel(new ModelSpec(ModelProvider.OpenAI, "b"), b.Get),
            new WeightedModel(new ModelSpec(ModelProvider.OpenAI, "never"), 1e-300),
        };

        var first = ChatService.Pick(members, seed, session.Get, ChatRole.Task, sequence.Get);
        var again = ChatService.Pick(members, seed, session.Get, ChatRole.Task, sequence.Get);

        return first == again && first is 0 or 1;
    }

    [Property(MaxTest = 200)]
    public bool Ledger_totals_are_the_sums_and_survive_a_round_trip(NonNegativeInt[] inputs)
    {
        var ledger = new TokenLedger();
        for (var i = 0; i < inputs.Length; i++)
        {
            ledger.Record($"s{i % 3}", $"m{i % 2}", inputs[i].Get, inputs[i].Get / 2, inputs[i].Get / 1000m);
        }

        var resumed = new TokenLedger(resume: TokenLedger.ReadState(ledger.ToJson()));
        var sessions = Enumerable.Range(0, 3).Select(s => ledger.ForSession($"s{s}")).ToList();

        return ledger.Run.InputTokens == inputs.Sum(x => (long)x.Get)
            && ledger.Run.Calls == inputs.Length
            && sessions.Sum(s => s.OutputTokens) == ledger.Run.OutputTokens
            && sessions.Sum(s => s.CostUsd) == ledger.Run.CostUsd
            && resumed.Snapshot().Run == ledger.Run
            && Enumerable.Range(0, 3).All(s => resumed.ForSession($"s{s}") == ledger.ForSession($"s{s}"));
    }
}
