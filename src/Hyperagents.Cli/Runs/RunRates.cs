using System.Globalization;

namespace Hyperagents.Cli.Runs;

/// <summary>How fast a run goes: elapsed time, evaluations and children per minute, and the time the generations left
/// should take at that pace. One formatting for the live panel, the plain progress lines, the run summary and
/// <c>status</c>.</summary>
/// <param name="Elapsed">Wall time the counts were made in.</param>
/// <param name="Evaluations">Variants evaluated in that time (staged or full evaluations of accepted variants, the seed
/// included): what <c>bench loop</c> calls evaluations.</param>
/// <param name="Children">Attempts archived in that time (accepted, rejected and failed).</param>
/// <param name="GenerationsLeft">Attempts still to make before the run's target; 0 when it is reached.</param>
internal sealed record RunRates(TimeSpan Elapsed, int Evaluations, int Children, int GenerationsLeft)
{
    /// <summary>Evaluations per minute; 0 before any time passed.</summary>
    public double EvaluationsPerMinute => PerMinute(Evaluations);

    /// <summary>Children per minute; 0 before any time passed.</summary>
    public double ChildrenPerMinute => PerMinute(Children);

    /// <summary>Generations left times the mean wall time per child so far; <see langword="null"/> before the first
    /// child (no pace yet).</summary>
    public TimeSpan? Eta => GenerationsLeft == 0 ? TimeSpan.Zero : Children == 0 ? null : Elapsed / Children * GenerationsLeft;

    /// <summary><c>00:04:10 elapsed, 3.1 evaluations/min, 2.9 children/min, ETA 00:01:43</c>.</summary>
    public override string ToString() =>
        $"{Clock(Elapsed)} elapsed, {EvaluationsPerMinute.ToString("0.0", CultureInfo.InvariantCulture)} evaluations/min, " +
        $"{ChildrenPerMinute.ToString("0.0", CultureInfo.InvariantCulture)} children/min, ETA {(Eta is { } eta ? Clock(eta) : "-")}";

    /// <summary>A duration as <c>hh:mm:ss</c>, days folded into the hours.</summary>
    public static string Clock(TimeSpan time)
    {
        var t = time < TimeSpan.Zero ? TimeSpan.Zero : time;
        return string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}");
    }

    private double PerMinute(int count) => Elapsed.TotalMinutes <= 0 ? 0 : count / Elapsed.TotalMinutes;
}
