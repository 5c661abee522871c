using System.Globalization;
using Hyperagents.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Hyperagents.Cli.Runs;

/// <summary>Shows the loop's progress: generation, best (the incumbent: a child replaces it only when its gain beats
/// noise) and mean score, acceptance rate, children with no behavioural change, and budget left. On an
/// interactive console a live panel (Spectre <c>Live</c>) redrawn in place, with the latest events under it; otherwise
/// one line per event, so logs and pipes stay readable. Never throws into the loop.</summary>
internal sealed class RunProgress
{
    private const int RecentLines = 8;

    private readonly IAnsiConsole _console;
    private readonly int _planned;
    private readonly Func<string> _budget;
    private readonly object _gate = new();
    private readonly List<double> _scores = [];
    private readonly Queue<string> _recent = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _done;
    private int _accepted;
    private int _metaAccepted;
    private int _unchanged;
    private double _best = double.NegativeInfinity;
    private bool _live;

    public RunProgress(IAnsiConsole console, int planned, int alreadyDone, Func<string> budget)
    {
        _console = console;
        _planned = planned;
        _done = alreadyDone;
        _budget = budget;
    }

    public int MetaChangedAccepted => _metaAccepted;

    /// <summary>Runs <paramref name="work"/> under a live display when the console is interactive, plainly otherwise.</summary>
    public async Task<T> ShowAsync<T>(Func<Task<T>> work)
    {
        if (!_console.Profile.Capabilities.Interactive)
        {
            return await work().ConfigureAwait(false);
        }

        T result = default!;
        await _console.Live(Render()).AutoClear(false).StartAsync(async ctx =>
        {
            lock (_gate)
            {
                _live = true;
            }

            try
            {
                var task = work();
                while (!task.IsCompleted)
                {
                    await Task.WhenAny(task, Task.Delay(500)).ConfigureAwait(false);
                    ctx.UpdateTarget(Render());
                }

                result = await task.ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    _live = false;
                }

                ctx.UpdateTarget(Render());
            }
        }).ConfigureAwait(false);
        return result;
    }

    public void OnEvent(RunEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case SeedEvaluated seed:
                    Track(seed.Score, newBest: true);
                    Write($"[bold]seed[/] {Short(seed.VariantId)} evaluated: score {F(seed.Score, seed.StdErr)}");
                    break;
                case ParentSelected selected:
                    Write($"[grey]gen {selected.Attempt}/{_planned}: parent {Short(selected.ParentId)} (α {F(selected.Selection.Chosen.Alpha)})[/]");
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

                        Track(score, archived.NewBest);
                        _unchanged += archived.SameAnswersAsParent == true ? 1 : 0;
                    }

                    var colour = archived.Status == "accepted" ? "green" : archived.Status.StartsWith("rejected", StringComparison.Ordinal) ? "yellow" : "red";
                    Write(
                        $"gen {archived.Attempt}/{_planned} {Short(archived.VariantId)} [{colour}]{Markup.Escape(Shorten(archived.Status))}[/]" +
                        (archived.Score is { } s ? $" score {F(s, archived.StdErr)}" : string.Empty) +
                        (archived.NewBest ? " [bold green]new best[/]" : string.Empty) +
                        (archived.SameAnswersAsParent == true ? " [grey]no behavioural change[/]" : string.Empty) +
                        (archived.MetaFilesChanged ? " [blue]meta changed[/]" : string.Empty) +
                        (_live ? string.Empty : $" | best {F(_best)} mean {F(Mean)} accepted {_accepted}/{Math.Max(1, _done)} | {Markup.Escape(_budget())}"));
                    break;
                case RunStopped stopped:
                    Write($"[bold]stopped:[/] {Markup.Escape(stopped.Reason)}");
                    break;
            }
        }
    }

    private double Mean => _scores.Count == 0 ? 0 : _scores.Average();

    private void Write(string markup)
    {
        if (_live)
        {
            _recent.Enqueue(markup);
            while (_recent.Count > RecentLines)
            {
                _recent.Dequeue();
            }
        }
        else
        {
            _console.MarkupLine(markup);
        }
    }

    private IRenderable Render()
    {
        lock (_gate)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("generation", "best", "mean", "accepted", "meta changed", "no behavioural change", "elapsed", "budget left");
            table.AddRow(
                $"{Math.Min(_done, _planned)}/{_planned}",
                F(_best),
                F(Mean),
                $"{_accepted}/{_done} ({(_done == 0 ? 0 : 100.0 * _accepted / _done).ToString("0", CultureInfo.InvariantCulture)}%)",
                _metaAccepted.ToString(CultureInfo.InvariantCulture),
                _unchanged.ToString(CultureInfo.InvariantCulture),
                _clock.Elapsed.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture),
                Markup.Escape(_budget()));
            var rows = new List<IRenderable> { table };
            rows.AddRange(_recent.Select(line => new Markup(line)));
            return new Rows(rows);
        }
    }

    private void Track(double score, bool newBest)
    {
        _scores.Add(score);
        if (newBest)
        {
            _best = score;
        }
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..69] + "…";

    private static string F(double value) => double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "-";

    private static string F(double value, double? stdErr) => double.IsFinite(value) ? Archive.ScoreStatistics.Format(value, stdErr) : "-";
}
