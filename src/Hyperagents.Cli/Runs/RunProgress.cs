using System.Globalization;
using Hyperagents.Archive;
using Hyperagents.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Hyperagents.Cli.Runs;

/// <summary>Shows the loop's progress: generation, best (the incumbent: a child replaces it only when its gain beats
/// noise) and mean score, acceptance rate, children with no behavioural change, pace (<see cref="RunRates"/>: elapsed,
/// evaluations and children per minute, ETA) and budget left. Scores print in the one <see cref="ScoreFormat"/> of the
/// scores seen so far, with the raw figure of the selection split when a lookup is given. On an
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
    private readonly Func<TimeSpan> _clock;
    private readonly Func<string, string?> _raw;
    private ScoreFormat _format = ScoreFormat.Default;
    private int _done;
    private int _children;
    private int _evaluations;
    private int _accepted;
    private int _metaAccepted;
    private int _unchanged;
    private double _best = double.NegativeInfinity;
    private bool _live;

    /// <param name="console">Where to show it.</param>
    /// <param name="planned">The run's target of attempts.</param>
    /// <param name="alreadyDone">Attempts archived before this session.</param>
    /// <param name="budget">The budget left, as text.</param>
    /// <param name="clock">Time since the session started (a stopwatch when <see langword="null"/>; tests pass their own).</param>
    /// <param name="raw">The raw figure of a variant's selection split, by variant id (e.g. <c>Σr n26 2.61, n28 2.72</c>), or
    /// <see langword="null"/>; none shown when the lookup is <see langword="null"/>.</param>
    /// <param name="soFar">What the run archived before this session (a resumed run), so best, mean and accepted are the
    /// run's figures from the first line on; the pace stays this session's.</param>
    public RunProgress(IAnsiConsole console, int planned, int alreadyDone, Func<string> budget, Func<TimeSpan>? clock = null, Func<string, string?>? raw = null,
        RunSoFar? soFar = null)
    {
        _console = console;
        _planned = planned;
        _done = alreadyDone;
        if (soFar is not null)
        {
            _accepted = soFar.Accepted;
            _scores.AddRange(soFar.Scores);
            _format = ScoreFormat.For(_scores);
            _best = soFar.Best ?? double.NegativeInfinity;
        }

        _budget = budget;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        _clock = clock ?? (() => stopwatch.Elapsed);
        _raw = raw ?? (_ => null);
    }

    public int MetaChangedAccepted => _metaAccepted;

    /// <summary>This session's pace: its evaluations and children over its wall time, and the ETA of the generations left.</summary>
    public RunRates Rates
    {
        get
        {
            lock (_gate)
            {
                return new RunRates(_clock(), _evaluations, _children, Math.Max(0, _planned - _done));
            }
        }
    }

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
                    _evaluations++;
                    Track(seed.Score, newBest: true);
                    Write($"[bold]seed[/] {Short(seed.VariantId)} evaluated: score {F(seed.Score, seed.StdErr)}{Raw(seed.VariantId)}");
                    break;
                case ParentSelected selected:
                    Write($"[grey]gen {selected.Attempt}/{_planned}: parent {Short(selected.ParentId)} (α {selected.Selection.Chosen.Alpha.ToString("0.0000", CultureInfo.InvariantCulture)})[/]");
                    break;
                case SelectionNote note:
                    Write($"[yellow]{(note.Attempt is { } a ? $"gen {a}/{_planned}: " : string.Empty)}{Markup.Escape(note.Message)}[/]");
                    break;
                case AttemptArchived archived:
                    _done++;
                    _children++;
                    _evaluations += archived.Score is null ? 0 : 1;
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
                        (archived.Score is { } s ? $" score {F(s, archived.StdErr)}{Raw(archived.VariantId)}" : string.Empty) +
                        (archived.NewBest ? " [bold green]new best[/]" : string.Empty) +
                        (archived.ExactCheck is { } exact ? $" [grey]exact re-check: {Markup.Escape(ExactText(exact))}[/]" : string.Empty) +
                        (archived.SameAnswersAsParent == true ? " [grey]no behavioural change[/]" : string.Empty) +
                        (archived.MetaFilesChanged ? " [blue]meta changed[/]" : string.Empty) +
                        (_live ? string.Empty : $" | best {F(_best)} mean {F(Mean)} accepted {_accepted}/{Math.Max(1, _done)} | {RatesNow()} | {Markup.Escape(_budget())}"));
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
            var rates = RatesNow();
            var table = new Table().Border(TableBorder.Rounded).AddColumns("generation", "best", "mean", "accepted", "meta changed", "no behavioural change",
                "elapsed", "evaluations/min", "children/min", "ETA", "budget left");
            table.AddRow(
                $"{Math.Min(_done, _planned)}/{_planned}",
                F(_best),
                F(Mean),
                $"{_accepted}/{_done} ({(_done == 0 ? 0 : 100.0 * _accepted / _done).ToString("0", CultureInfo.InvariantCulture)}%)",
                _metaAccepted.ToString(CultureInfo.InvariantCulture),
                _unchanged.ToString(CultureInfo.InvariantCulture),
                RunRates.Clock(rates.Elapsed),
                rates.EvaluationsPerMinute.ToString("0.0", CultureInfo.InvariantCulture),
                rates.ChildrenPerMinute.ToString("0.0", CultureInfo.InvariantCulture),
                rates.Eta is { } eta ? RunRates.Clock(eta) : "-",
                Markup.Escape(_budget()));
            var rows = new List<IRenderable> { table };
            rows.AddRange(_recent.Select(line => new Markup(line)));
            return new Rows(rows);
        }
    }

    private RunRates RatesNow() => new(_clock(), _evaluations, _children, Math.Max(0, _planned - _done));

    private string Raw(string variantId)
    {
        try
        {
            return _raw(variantId) is { } raw ? $" ({Markup.Escape(raw)})" : string.Empty;
        }
        catch (Exception e) when (e is Archive.ArchiveException or IOException or InvalidOperationException)
        {
            return string.Empty; // the display never throws into the loop
        }
    }

    /// <summary>The exact re-check in a few words: its result and how many draws it changed.</summary>
    internal static string ExactText(ExactRecheck exact) =>
        exact.Result == "not-offered" ? "not offered by the domain" : $"{exact.Result} ({exact.Changed}/{exact.Draws} draws changed)";

    private void Track(double score, bool newBest)
    {
        _scores.Add(score);
        _format = ScoreFormat.For(_scores);
        if (newBest)
        {
            _best = score;
        }
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private static string Shorten(string text) => text.Length <= 70 ? text : text[..69] + "…";

    private string F(double value) => _format.Number(value);

    private string F(double value, double? stdErr) => ScoreFormat.For(_scores.Append(value)).Score(value, stdErr);
}

/// <summary>The figures of a run's earlier sessions that the progress display continues from.</summary>
/// <param name="Accepted">Accepted children.</param>
/// <param name="Scores">Selection-split scores of the seed and of every accepted child.</param>
/// <param name="Best">The score of the run's best variant; <see langword="null"/> when none is scored.</param>
internal sealed record RunSoFar(int Accepted, IReadOnlyList<double> Scores, double? Best)
{
    /// <summary>Reads them from the run's archive.</summary>
    public static RunSoFar From(ArchiveRun run)
    {
        var variants = run.ListVariants();
        var counted = variants.Where(v => v.Parent is null || v.Status.State == VariantState.Accepted).ToList();
        var scores = counted.Select(v => SelectionScore.Of(v.Scores)).OfType<double>().ToList();
        var best = run.Best is { } id ? SelectionScore.Of(run.GetVariant(id).Scores) : null;
        return new RunSoFar(variants.Count(v => v.Parent is not null && v.Status.State == VariantState.Accepted), scores, best);
    }
}
