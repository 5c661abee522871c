using System.Globalization;
using System.Net;
using System.Text;

namespace Hyperagents.Reporting;

/// <summary>Renders an experiment as one self-contained HTML page: the imp@k table, the mean improvement curve of every
/// arm, every cell's curve, and the commands that open a cell. Same style as <see cref="HtmlReport"/>; no external resources.</summary>
public static class ExperimentPage
{
    /// <summary>Renders the page.</summary>
    /// <param name="title">The experiment's name.</param>
    /// <param name="command">The command that runs (and resumes) the experiment.</param>
    /// <param name="cells">The cells.</param>
    /// <param name="rows">The imp@k summaries (<see cref="ExperimentStatistics.Summaries"/>).</param>
    /// <returns>The HTML document.</returns>
    public static string Render(string title, string command, IReadOnlyList<ExperimentCell> cells, IReadOnlyList<ArmSummary> rows)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(rows);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hyperagents experiment: ").Append(Enc(title))
            .Append("</title><style>").Append(HtmlReport.Css).Append("</style></head><body>\n");
        html.Append("<h1>Experiment ").Append(Enc(title)).Append("</h1>\n<p><code>").Append(Enc(command)).Append("</code></p>\n");
        html.Append("<p>imp@k: the best selection-split score after k generations minus the seed's, mean over seeds ± the half-width of the 95 % Student-t interval.</p>\n");

        var ks = rows.Select(r => r.K).Distinct().Order().ToList();
        html.Append("<table id=\"imp\"><tr><th>arm</th><th>seeds</th>");
        foreach (var k in ks)
        {
            html.Append("<th>imp@").Append(k).Append("</th>");
        }

        html.Append("<th>evaluations</th><th>tokens</th></tr>\n");
        foreach (var arm in rows.GroupBy(r => r.Arm))
        {
            html.Append("<tr><td>").Append(Enc(arm.Key)).Append("</td><td>").Append(cells.Count(c => c.Arm == arm.Key)).Append("</td>");
            foreach (var k in ks)
            {
                html.Append("<td>").Append(arm.FirstOrDefault(r => r.K == k)?.Imp?.ToString("0.000000") ?? "—").Append("</td>");
            }

            html.Append("<td>").Append(arm.First().Evaluations).Append("</td><td>").Append(arm.First().Tokens).Append("</td></tr>\n");
        }

        html.Append("</table>\n<section id=\"plots\"><h2>Curves</h2><div class=\"plots\">");
        html.Append("<figure id=\"plot-mean\">").Append(MeanPlot(cells)).Append("</figure>");
        html.Append("<figure id=\"plot-cells\">").Append(CellPlot(cells)).Append("</figure>");
        html.Append("</div></section>\n<section id=\"cells\"><h2>Cells</h2><p>Each cell is an ordinary run in the experiment folder: <code>hyperagents status|lineage|report &lt;run&gt; --archive &lt;experiment folder&gt;</code>.</p><table><tr><th>arm</th><th>seed</th><th>run</th><th>attempts</th><th>start</th><th>best</th><th>evaluations</th><th>tokens</th></tr>\n");
        foreach (var c in cells)
        {
            html.Append("<tr><td>").Append(Enc(c.Arm)).Append("</td><td>").Append(c.Seed).Append("</td><td><code>").Append(Enc(c.Run)).Append("</code></td><td>")
                .Append(Math.Max(0, c.BestAfter.Count - 1)).Append("</td><td>").Append(Number(c.BestAfter.Count > 0 ? c.BestAfter[0] : null)).Append("</td><td>")
                .Append(Number(c.BestAfter.Count > 0 ? c.BestAfter[^1] : null)).Append("</td><td>").Append(c.Evaluations).Append("</td><td>").Append(c.Tokens).Append("</td></tr>\n");
        }

        html.Append("</table></section>\n</body></html>\n");
        return html.ToString();
    }

    private static string MeanPlot(IReadOnlyList<ExperimentCell> cells)
    {
        var plot = NewPlot("Mean improvement over seeds by generation");
        foreach (var arm in cells.GroupBy(c => c.Arm))
        {
            var length = arm.Max(c => c.BestAfter.Count);
            var points = Enumerable.Range(0, length)
                .Select(g => (X: (double)g, Values: arm.Select(c => c.ImpAt(g)).OfType<double>().ToList()))
                .Where(p => p.Values.Count > 0)
                .Select(p => (p.X, Y: p.Values.Average()))
                .ToList();
            Add(plot, points, arm.Key);
        }

        return Finish(plot, cells.Count);
    }

    private static string CellPlot(IReadOnlyList<ExperimentCell> cells)
    {
        var plot = NewPlot("Improvement of every cell by generation");
        foreach (var c in cells)
        {
            var points = Enumerable.Range(0, c.BestAfter.Count).Select(g => (X: (double)g, Y: c.ImpAt(g))).Where(p => p.Y is not null).Select(p => (p.X, Y: p.Y!.Value)).ToList();
            Add(plot, points, $"{c.Arm} seed {c.Seed}");
        }

        return Finish(plot, cells.Count);
    }

    private static ScottPlot.Plot NewPlot(string title)
    {
        var plot = new ScottPlot.Plot();
        plot.Title(title);
        plot.XLabel("generation");
        plot.YLabel("best − seed (normalised score)");
        return plot;
    }

    private static void Add(ScottPlot.Plot plot, IReadOnlyList<(double X, double Y)> points, string label)
    {
        if (points.Count == 0)
        {
            return;
        }

        var scatter = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
        scatter.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
        scatter.MarkerSize = 5;
        scatter.LineWidth = 2;
        scatter.LegendText = label;
    }

    private static string Finish(ScottPlot.Plot plot, int cells)
    {
        if (cells == 0)
        {
            plot.Add.Annotation("no cell finished yet");
        }

        plot.ShowLegend();
        return plot.GetSvgXml(560, 360);
    }

    private static string Number(double? value) => value is { } v ? v.ToString("0.000000", CultureInfo.InvariantCulture) : "—";

    private static string Enc(string text) => WebUtility.HtmlEncode(Hyperagents.Transport.SafeText.ForDisplay(text));
}
