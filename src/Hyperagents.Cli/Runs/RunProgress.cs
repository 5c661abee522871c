using System.Globalization;
using Hyperagents.Engine;
using Spectre.Console;

namespace Hyperagents.Cli.Runs;

/// <summary>Prints the loop's progress: one line per event, with the generation, best and mean score, acceptance rate
/// and budget left. Never throws into the loop.</summary>
internal sealed class RunProgress
{
    private readonly IAnsiConsole _console;
    private readonly int _planned;
    private readonly Func<string> _budget;
    private readonly object _gate = new();
    private readonly List<double> _scores = [];
    private int _done;
    private int _accepted;
    private int _metaAccepted;
    private double _best = double.NegativeInfinity;

    public RunProgress(IAnsiConsole console, int planned, int alreadyDone, Func<string> budget)
    {
        _console = console;
        _planned = planned;
        _done = alreadyDone;
        _budget = budget;
    }

    public int MetaChangedAccepted => _metaAccepted;

    public void OnEvent(RunEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case SeedEvaluated seed:
                    Track(seed.Score);
                    _console.MarkupLine($"[bold]seed[/] {Short(seed.VariantId)} evaluated: score {F(seed.Score)}");
                    break;
                case ParentSelected selected:
                    _console.MarkupLine($"[grey]gen {selected.Attempt}/{_planned}: parent {Short(selected.ParentId)} (α {F(selected.Selection.Chosen.Alpha)})[/]");
                    break;
                case AttemptArchived archived:
                    _done++;
                    if (archived.Score is { } score && archived.Status == "accepted")
                    {
                        _accepted++;
                        if (archived.MetaFilesChanged)
                        {
                            _metaAccepted++;
                        }

                        Track(score);
                    }

                    var colour = archived.Status == "accepted" ? "green" : archived.Status.StartsWith("rejected", StringComparison.Ordinal) ? "yellow" : "red";
                    _console.MarkupLine(
                        $"gen {archived.Attempt}/{_planned} {Short(archived.VariantId)} [{colour}]{Markup.Escape(Shorten(archived.Status))}[/]" +
                        (archived.Score is { } s ? $" score {F(s)}" : string.Empty) +
                        (archived.MetaFilesChanged ? " [blue]meta changed[/]" : string.Empty) +
                        $" | best {F(_best)} mean {F(_scores.Count == 0 ? 0 : _scores.Average())} accepted {_accepted}/{Math.Max(1, _done)} | {Markup.Escape(_budget())}");
                    break;
                case RunStopped stopped:
                    _console.MarkupLine($"[bold]stopped:[/] {Markup.Escape(stopped.Reason)}");
                    break;
            }
        }
    }

    private void Track(double score)
    {
        _scores.Add(score);
        _best = Math.Max(_best, score);
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..69] + "…";

    private static string F(double value) => double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "-";
}
