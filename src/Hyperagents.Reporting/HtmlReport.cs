using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Hyperagents.Archive;
using LibGit2Sharp;

namespace Hyperagents.Reporting;

/// <summary>
/// Renders a run as one self-contained HTML file: lineage tree (inline SVG laid out here, one <c>g.node</c> per variant),
/// ScottPlot charts embedded as SVG, a variant table, and every variant's diff and transcript (as a conversation) embedded as JSON.
/// No external resources: inline CSS and script only, so it opens offline.
/// </summary>
public static class HtmlReport
{
    private const int MaxEmbeddedChars = 200_000;

    /// <summary>Renders the report of a run.</summary>
    /// <param name="run">The open run.</param>
    /// <param name="thresholds">When the audit's flags (shown per variant) are raised; the defaults when <see langword="null"/>.</param>
    /// <returns>The HTML document.</returns>
    public static string Render(ArchiveRun run, AuditThresholds? thresholds = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var manifest = run.ReadManifest();
        var audit = Auditor.Audit(run, thresholds: thresholds);
        var variants = run.ListVariants();
        var times = CommitTimes(run.Path, variants);
        var format = ScoreFormat.For(variants);
        var rows = variants.Select(v =>
        {
            var a = audit.Variants.Single(x => x.Id == v.Id);
            var p = run.ReadProvenance(v.Id);
            return new Row(v, a, p, times.GetValueOrDefault(v.Id), SelectionScore.Of(v.Scores), format.Splits(v.Scores, run.GetEvaluations(v.Id)));
        }).ToList();
        var scored = rows.Where(r => r.Score is not null).Select(r => r.Score!.Value).ToList();

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<title>hyperagents report: ").Append(Enc(manifest.Name)).Append("</title>");
        html.Append("<style>").Append(Css).Append("</style></head><body>\n");
        html.Append("<h1>Run ").Append(Enc(manifest.Name)).Append(" <small>").Append(Enc(manifest.Domain)).Append("</small></h1>\n");
        html.Append("<p id=\"summary\">").Append(variants.Count).Append(" variants, ")
            .Append(variants.Count(v => v.Status.State == VariantState.Accepted)).Append(" accepted; best ")
            .Append(Enc(run.Best is { } b ? b[..12] : "none")).Append("; integrity ")
            .Append(audit.Integrity.Verified ? "verified" : "<b class=\"bad\">FAILED</b>")
            .Append(audit.Integrity.HashesConsistent ? ", policy and evaluator hashes consistent" : ", <b class=\"bad\">policy or evaluator hashes differ between variants</b>")
            .Append("</p>\n");

        html.Append("<section id=\"lineage\"><h2>Lineage</h2><p class=\"legend\">Node colour: score over the run's range, red at ")
            .Append(scored.Count == 0 ? "the lowest" : format.Number(scored.Min())).Append(", green at ").Append(scored.Count == 0 ? "the highest" : format.Number(scored.Max()))
            .Append(" (grey unscored); hollow: rejected or failed; <span class=\"metaedge\">red thick edge</span>: the child changed meta files. Click a node for its diff.</p>\n");
        html.Append(TreeSvg(rows, format)).Append("</section>\n");

        html.Append("<section id=\"detail\"><h2 id=\"detail-title\">Select a variant</h2>")
            .Append("<div class=\"tabs\"><button id=\"tab-diff\" onclick=\"showTab('diff')\">diff</button><button id=\"tab-transcript\" onclick=\"showTab('transcript')\">transcript</button></div>")
            .Append("<pre id=\"diff-view\"></pre><div id=\"transcript-view\" hidden></div></section>\n");

        html.Append("<section id=\"plots\"><h2>Progress</h2><div class=\"plots\">");
        foreach (var (id, svg) in Plots(rows, manifest.Domain))
        {
            html.Append("<figure id=\"").Append(id).Append("\">").Append(svg).Append("</figure>");
        }

        html.Append("</div></section>\n");
        html.Append(Table(rows));
        html.Append("<script id=\"data\" type=\"application/json\">").Append(Data(run, rows)).Append("</script>\n");
        html.Append("<script>").Append(Script).Append("</script>\n</body></html>\n");
        return html.ToString();
    }

    private sealed record Row(VariantSummary V, VariantAudit Audit, Provenance P, DateTimeOffset? At, double? Score, string Scores)
    {
        public string Short => V.ShortId;

        public bool MetaChanged => V.Parent is not null && Audit.Changes.Meta.Count > 0;

        public long Tokens => (P.Model?.InputTokens ?? 0) + (P.Model?.OutputTokens ?? 0);
    }

    private static Dictionary<string, DateTimeOffset> CommitTimes(string path, IReadOnlyList<VariantSummary> variants)
    {
        using var repo = new Repository(path);
        var times = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var v in variants)
        {
            if (repo.Lookup<Commit>(v.Id) is { } commit)
            {
                times[v.Id] = commit.Committer.When;
            }
        }

        return times;
    }

    private static string TreeSvg(IReadOnlyList<Row> rows, ScoreFormat format)
    {
        // Tidy layout: leaves get consecutive columns in depth-first order, a parent sits over the middle of its children.
        var children = rows.Where(r => r.V.Parent is not null).ToLookup(r => r.V.Parent!, StringComparer.Ordinal);
        var x = new Dictionary<string, double>(StringComparer.Ordinal);
        var next = 0.0;
        var roots = rows.Where(r => r.V.Parent is null || rows.All(o => o.V.Id != r.V.Parent)).ToList();
        var stack = new Stack<(Row Node, bool Done)>();
        foreach (var root in Enumerable.Reverse(roots))
        {
            stack.Push((root, false));
        }

        while (stack.Count > 0)
        {
            var (node, done) = stack.Pop();
            var kids = children[node.V.Id].ToList();
            if (kids.Count == 0)
            {
                x[node.V.Id] = next++;
            }
            else if (done)
            {
                x[node.V.Id] = (x[kids[0].V.Id] + x[kids[^1].V.Id]) / 2;
            }
            else
            {
                stack.Push((node, true));
                for (var k = kids.Count - 1; k >= 0; k--)
                {
                    stack.Push((kids[k], false));
                }
            }
        }

        const double dx = 90, dy = 80, margin = 50;
        var maxGen = rows.Count == 0 ? 0 : rows.Max(r => r.V.Generation);
        var width = Math.Max(next, 1) * dx + 2 * margin;
        var height = (maxGen + 1) * dy + 2 * margin;
        var scored = rows.Where(r => r.Score is not null).Select(r => r.Score!.Value).ToList();
        var (lo, hi) = scored.Count == 0 ? (0.0, 1.0) : (scored.Min(), scored.Max());
        string Px(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        (double X, double Y) Pos(Row r) => (margin + x[r.V.Id] * dx, margin + r.V.Generation * dy);

        var svg = new StringBuilder();
        svg.Append("<svg id=\"tree\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Px(width)).Append("\" height=\"").Append(Px(height))
            .Append("\" viewBox=\"0 0 ").Append(Px(width)).Append(' ').Append(Px(height)).Append("\">");
        foreach (var r in rows.Where(r => r.V.Parent is not null && x.ContainsKey(r.V.Parent!)))
        {
            var parent = rows.First(p => p.V.Id == r.V.Parent);
            var (x1, y1) = Pos(parent);
            var (x2, y2) = Pos(r);
            svg.Append("<line class=\"edge").Append(r.MetaChanged ? " meta" : "").Append("\" data-child=\"").Append(r.Short)
                .Append("\" x1=\"").Append(Px(x1)).Append("\" y1=\"").Append(Px(y1)).Append("\" x2=\"").Append(Px(x2)).Append("\" y2=\"").Append(Px(y2)).Append("\"/>");
        }

        foreach (var r in rows)
        {
            var (cx, cy) = Pos(r);
            var colour = r.Score is { } s ? Colour(hi > lo ? (s - lo) / (hi - lo) : 1) : "#9e9e9e";
            var hollow = r.V.Status.State != VariantState.Accepted;
            svg.Append("<g class=\"node ").Append(r.V.Status.Label).Append(r.V.IsBest ? " best" : "").Append("\" id=\"node-").Append(r.Short)
                .Append("\" data-variant=\"").Append(r.Short).Append("\" tabindex=\"0\">")
                .Append("<title>").Append(Enc($"{r.Short} g{r.V.Generation} {r.V.Status}\n{r.Scores}")).Append("</title>")
                .Append("<circle cx=\"").Append(Px(cx)).Append("\" cy=\"").Append(Px(cy)).Append("\" r=\"24\" fill=\"").Append(hollow ? "#fff" : colour)
                .Append("\" stroke=\"").Append(colour).Append("\" stroke-width=\"").Append(hollow ? "4" : "2").Append("\"/>")
                .Append("<text x=\"").Append(Px(cx)).Append("\" y=\"").Append(Px(cy + 40)).Append("\">").Append(r.Short[..7]).Append("</text>")
                .Append("<text class=\"score\" x=\"").Append(Px(cx)).Append("\" y=\"").Append(Px(cy + 4)).Append("\">")
                .Append(r.Score is { } sc ? format.Number(sc) : "–").Append("</text></g>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Colour(double t)
    {
        t = Math.Clamp(t, 0, 1);
        var red = (int)Math.Round(220 * (1 - t) + 40 * t);
        var green = (int)Math.Round(60 * (1 - t) + 170 * t);
        return $"#{red:x2}{green:x2}50";
    }

    private static IEnumerable<(string Id, string Svg)> Plots(IReadOnlyList<Row> rows, string domain)
    {
        var ordered = rows.OrderBy(r => r.V.Sequence).ToList();
        var start = ordered.Select(r => r.At).OfType<DateTimeOffset>().DefaultIfEmpty(DateTimeOffset.UnixEpoch).Min();
        double best = double.NegativeInfinity;
        long tokens = 0;
        var byTokens = new List<(double X, double Y)>();
        var byTime = new List<(double X, double Y)>();
        foreach (var r in ordered)
        {
            tokens += r.Tokens;
            if (r.Score is { } s && r.V.Status.State == VariantState.Accepted)
            {
                best = Math.Max(best, s);
            }

            if (!double.IsNegativeInfinity(best))
            {
                byTokens.Add((tokens, best));
                byTime.Add((((r.At ?? start) - start).TotalSeconds, best));
            }
        }

        var byGeneration = new List<(double X, double Y)>();
        var maxGen = rows.Count == 0 ? 0 : rows.Max(r => r.V.Generation);
        var bestGen = double.NegativeInfinity;
        for (var g = 0; g <= maxGen; g++)
        {
            foreach (var r in rows.Where(r => r.V.Generation == g && r.Score is not null && r.V.Status.State == VariantState.Accepted))
            {
                bestGen = Math.Max(bestGen, r.Score!.Value);
            }

            if (!double.IsNegativeInfinity(bestGen))
            {
                byGeneration.Add((g, bestGen));
            }
        }

        yield return ("plot-generation", Line(byGeneration, "Best so far by generation", "generation"));
        if (tokens > 0)
        {
            // A run without a model (the offline mutation engine) spends no tokens: a flat plot at x = 0 says nothing.
            yield return ("plot-tokens", Line(byTokens, "Best so far by model tokens", "tokens (input + output, cumulative)"));
        }

        yield return ("plot-time", Line(byTime, "Best so far by wall time", "seconds since the seed"));
        yield return ("plot-domains", Domains(rows, domain));
    }

    private static string Line(IReadOnlyList<(double X, double Y)> points, string title, string xLabel)
    {
        var plot = new ScottPlot.Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("best score");
        if (points.Count > 0)
        {
            var scatter = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
            scatter.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
            scatter.MarkerSize = 7;
            scatter.LineWidth = 2;
        }
        else
        {
            plot.Add.Annotation("no evaluated variant yet");
        }

        return plot.GetSvgXml(460, 300);
    }

    private static string Domains(IReadOnlyList<Row> rows, string domain)
    {
        // One group of bars per domain: the seed's and the best variant's score on each split.
        var plot = new ScottPlot.Plot();
        plot.Title("Scores per domain and split");
        plot.YLabel("score");
        var seed = rows.FirstOrDefault(r => r.V.Parent is null);
        var best = rows.FirstOrDefault(r => r.V.IsBest) ?? seed;
        var splits = rows.SelectMany(r => r.V.Scores.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var ticks = new List<ScottPlot.Tick>();
        var position = 0.0;
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var split in splits)
        {
            var pairs = new[] { ("seed", seed), ("best", best) };
            for (var i = 0; i < pairs.Length; i++)
            {
                if (pairs[i].Item2 is { } r && r.V.Scores.TryGetValue(split, out var value))
                {
                    var bar = plot.Add.Bar(position + i, value);
                    bar.Color = palette.GetColor(i);
                }
            }

            ticks.Add(new ScottPlot.Tick(position + 0.5, $"{domain} {split}"));
            position += 3;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Legend.IsVisible = true;
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "seed", FillColor = palette.GetColor(0) });
        plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = "best", FillColor = palette.GetColor(1) });
        plot.Axes.Margins(bottom: 0);
        return plot.GetSvgXml(460, 300);
    }

    private static string Table(IReadOnlyList<Row> rows)
    {
        var t = new StringBuilder("<section id=\"variants\"><h2>Variants</h2><table><thead><tr><th>variant</th><th>gen</th><th>parent</th><th>status</th><th>scores</th><th>changes (task/meta/other)</th><th>tokens</th><th>flags</th><th></th></tr></thead><tbody>\n");
        foreach (var r in rows)
        {
            var c = r.Audit.Changes;
            t.Append("<tr id=\"row-").Append(r.Short).Append("\" class=\"").Append(r.V.Status.Label).Append("\"><td><code>").Append(r.Short).Append("</code>")
                .Append(r.V.IsBest ? " <b>best</b>" : "").Append("</td><td>").Append(r.V.Generation).Append("</td><td><code>")
                .Append(r.V.Parent is { } p ? p[..12] : "seed").Append("</code></td><td>").Append(r.V.Status.Label)
                .Append(r.V.Status.Reason is { } reason ? "<br><small>" + Enc(reason) + "</small>" : "").Append("</td><td>")
                .Append(Enc(r.Scores)).Append("</td><td>").Append(c.Task.Count).Append(" / ").Append(c.Meta.Count).Append(" / ").Append(c.Other.Count)
                .Append("</td><td>").Append(r.Tokens).Append("</td><td>").Append(Enc(string.Join(", ", r.Audit.Flags)))
                .Append("</td><td><button onclick=\"show('").Append(r.Short).Append("','diff')\">diff</button> <button onclick=\"show('")
                .Append(r.Short).Append("','transcript')\">transcript</button></td></tr>\n");
        }

        return t.Append("</tbody></table></section>\n").ToString();
    }

    private static string Data(ArchiveRun run, IReadOnlyList<Row> rows)
    {
        var data = rows.ToDictionary(r => r.Short, r => new
        {
            id = r.V.Id,
            generation = r.V.Generation,
            status = Safe(r.V.Status.ToString()),
            scores = r.Scores,
            flags = r.Audit.Flags.Select(Safe).ToList(),
            diff = Safe(Cap(r.V.Parent is null
                ? "(the seed: no parent to compare with)\n" + string.Join("\n", r.P.Changes.Select(c => $"added {c.Path}"))
                : string.Concat(run.GetDiff(r.V.Id).Select(d => d.Patch)) is { Length: > 0 } patch ? patch : "(no change)")),
            transcript = TranscriptView.Of(run.ReadTranscript(r.V.Id), Safe, MaxEmbeddedChars).Select(b => new
            {
                kind = b.Kind,
                title = b.Title,
                parts = b.Parts.Select(part => new { code = part.Code, text = part.Text }).ToList(),
            }).ToList(),
        }, StringComparer.Ordinal);

        // The default encoder escapes <, > and &, so nothing in a diff can close the script element.
        return JsonSerializer.Serialize(data);
    }

    private static string Cap(string text) =>
        text.Length <= MaxEmbeddedChars ? text : text[..MaxEmbeddedChars] + $"\n… truncated: {text.Length - MaxEmbeddedChars} more characters; read it with git.";

    private static string Enc(string text) => WebUtility.HtmlEncode(Safe(text));

    /// <summary>Guest text (diffs, transcripts, reasons, file names) with controls, bidirectional overrides and zero-width
    /// characters made visible, before it is encoded for HTML or for the page's data.</summary>
    private static string Safe(string text) => Hyperagents.Transport.SafeText.ForDisplay(text);

    internal const string Css = """
        body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
        h1 small{color:#777;font-weight:normal}
        .bad{color:#b00}
        #tree{border:1px solid #ddd;background:#fcfcfc;max-width:100%}
        #tree .edge{stroke:#999;stroke-width:2}
        #tree .edge.meta{stroke:#d32f2f;stroke-width:5}
        .metaedge{color:#d32f2f;font-weight:bold}
        #tree .node{cursor:pointer;outline:none}
        #tree .node text{font:11px monospace;text-anchor:middle;fill:#333}
        #tree .node text.score{font:bold 9px sans-serif;fill:#000}
        #tree .node.selected circle{stroke:#1565c0;stroke-width:6}
        #tree .node.best circle{stroke-dasharray:none}
        #detail pre{background:#f5f5f5;border:1px solid #ddd;padding:.6em;max-height:28em;overflow:auto;white-space:pre-wrap}
        .tabs button{margin-right:.4em}
        #transcript-view{max-height:36em;overflow:auto;border:1px solid #ddd;padding:.4em}
        #transcript-view .turn{margin:.3em 0;padding:.3em .6em;border-left:4px solid #bbb;background:#fafafa}
        #transcript-view .turn h4{margin:0 0 .2em;font-size:.8em;text-transform:uppercase;color:#555}
        #transcript-view .turn p{margin:.2em 0;white-space:pre-wrap}
        #transcript-view .turn pre{margin:.2em 0;background:#f0f0f0;padding:.3em;white-space:pre-wrap;max-height:20em;overflow:auto}
        #transcript-view .system{border-color:#9e9e9e} #transcript-view .user{border-color:#1565c0}
        #transcript-view .assistant{border-color:#2e7d32;background:#f3faf3} #transcript-view .tool{border-color:#6a1b9a}
        #transcript-view .error,#transcript-view .diagnostic{border-color:#b00;background:#fff5f5}
        #transcript-view .heading{border:none;background:none} #transcript-view .heading h4{font-size:.95em;color:#222}
        .plots{display:flex;flex-wrap:wrap;gap:1em}
        figure{margin:0}
        table{border-collapse:collapse}
        td,th{border:1px solid #ddd;padding:.3em .5em;vertical-align:top;font-size:.9em}
        tr.rejected{background:#fff8e1} tr.failed{background:#ffebee}
        """;

    private const string Script = """
        const data = JSON.parse(document.getElementById('data').textContent);
        let current = null;
        function showTab(tab) {
          document.getElementById('diff-view').hidden = tab !== 'diff';
          document.getElementById('transcript-view').hidden = tab !== 'transcript';
        }
        function renderTranscript(view, blocks) {
          view.replaceChildren();
          for (const b of blocks) {
            const turn = document.createElement('div');
            turn.className = 'turn ' + b.kind;
            const title = document.createElement('h4');
            title.textContent = b.title;
            turn.appendChild(title);
            for (const part of b.parts) {
              const el = document.createElement(part.code ? 'pre' : 'p');
              if (part.code) { const code = document.createElement('code'); code.textContent = part.text; el.appendChild(code); }
              else { el.textContent = part.text; }
              turn.appendChild(el);
            }
            view.appendChild(turn);
          }
        }
        function show(id, tab) {
          const v = data[id];
          if (!v) { return; }
          current = id;
          document.querySelectorAll('#tree .node').forEach(n => n.classList.toggle('selected', n.dataset.variant === id));
          document.getElementById('detail-title').textContent = id + ' g' + v.generation + ' ' + v.status + ' ' + v.scores + (v.flags.length ? ' [' + v.flags.join(', ') + ']' : '');
          document.getElementById('diff-view').textContent = v.diff;
          renderTranscript(document.getElementById('transcript-view'), v.transcript);
          showTab(tab || 'diff');
        }
        document.querySelectorAll('#tree .node').forEach(n => {
          n.addEventListener('click', () => show(n.dataset.variant, 'diff'));
          n.addEventListener('keydown', e => { if (e.key === 'Enter') { show(n.dataset.variant, 'diff'); } });
        });
        """;
}
