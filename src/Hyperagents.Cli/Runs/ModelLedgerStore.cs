using Hyperagents.Archive;
using Hyperagents.Models;

namespace Hyperagents.Cli.Runs;

/// <summary>Keeps a run's <see cref="TokenLedger"/> totals across sessions, so a resumed run counts against its budget
/// what it already spent. The state is a file inside the run's git directory (<c>hyperagents/model-ledger.json</c>,
/// beside the archive's journal), rewritten after every model exchange; when it is missing (a run made before it
/// existed, or a copied archive without it) the totals are rebuilt from the per-variant <see cref="ModelUsage"/> of the
/// provenance, which counts the meta agent's calls (task calls of the <c>dataset</c> domain are then not counted).</summary>
internal static class ModelLedgerStore
{
    private const string FileName = "model-ledger.json";
    private const string BudgetFileName = "model-budgets.json";

    /// <summary>The file of a run's ledger state.</summary>
    public static string PathOf(ArchiveRun archive) => Path.Combine(archive.Path, "hyperagents", FileName);

    /// <summary>The saved totals of a run, or totals rebuilt from its provenance, or <see langword="null"/> for none.</summary>
    public static TokenLedgerState? Load(ArchiveRun archive)
    {
        var file = PathOf(archive);
        if (File.Exists(file))
        {
            try
            {
                return TokenLedger.ReadState(File.ReadAllText(file));
            }
            catch (System.Text.Json.JsonException)
            {
                // A torn write (killed mid-write): fall back to the provenance, which is never torn.
            }
        }

        return FromProvenance(archive);
    }

    /// <summary>Totals rebuilt from the per-variant model usage of the provenance.</summary>
    public static TokenLedgerState? FromProvenance(ArchiveRun archive)
    {
        var run = UsageTotals.Zero;
        var byModel = new Dictionary<string, UsageTotals>(StringComparer.Ordinal);
        var any = false;
        foreach (var v in archive.ListVariants())
        {
            if (archive.ReadProvenance(v.Id).Model is not { } usage)
            {
                continue;
            }

            any = true;
            var add = new UsageTotals(usage.Requests, usage.InputTokens, usage.OutputTokens, usage.CostUsd ?? 0m);
            run = run.Plus(add);
            var key = $"{usage.Provider}:{usage.Model}";
            byModel[key] = (byModel.GetValueOrDefault(key) ?? UsageTotals.Zero).Plus(add);
        }

        return any ? new TokenLedgerState(run, new Dictionary<string, UsageTotals>(), byModel) : null;
    }

    /// <summary>The budgets of the latest session of the run (a resume may raise them), or <see langword="null"/>.</summary>
    public static ModelBudgets? LoadBudgets(ArchiveRun archive)
    {
        var file = Path.Combine(archive.Path, "hyperagents", BudgetFileName);
        try
        {
            return File.Exists(file) ? System.Text.Json.JsonSerializer.Deserialize<ModelBudgets>(File.ReadAllText(file)) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Records the session's budgets, then saves the ledger after every change: each call made here, and each
    /// usage charged when a cluster node's result arrives.</summary>
    public static void Attach(ArchiveRun archive, TokenLedger ledger)
    {
        var file = PathOf(archive);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(file)!, BudgetFileName), System.Text.Json.JsonSerializer.Serialize(ledger.Budgets));
        var gate = new object();
        ledger.Changed += () =>
        {
            lock (gate)
            {
                try
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                    var temp = file + ".tmp";
                    File.WriteAllText(temp, ledger.ToJson());
                    File.Move(temp, file, overwrite: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The totals stay in memory and are saved on the next change; a resume without the file rebuilds
                    // them from the provenance.
                    Serilog.Log.Warning(ex, "Could not save the model ledger to {File}", file);
                }
            }
        };
    }
}
