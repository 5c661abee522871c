using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Hyperagents.Domains;

namespace Hyperagents.Bench.Domains;

/// <summary>Evaluator speed: the published constructions and the worst inputs the size limits allow.</summary>
public sealed class DomainsBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "domains";

    /// <inheritdoc/>
    public string Description => "evaluator time on published constructions and worst-case answers";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        var data = JsonDocument.Parse(File.ReadAllText(FindData())).RootElement;
        var ok = true;

        var kissing = BenchDomains.Open("kissing-number");
        var kissingAnswer = "{\"vectors\": " + data.GetProperty("kissing_number_11").GetProperty("vectors").GetRawText() + "}";
        ok &= Measure("kissing d=11, published 593 vectors", kissing, "d11", kissingAnswer, 10, targetMs: 100);

        // 10,000 distinct vectors (the item limit) with ~43-bit coordinates: the full O(n²·d) Int128 scan.
        var random = new Random(1);
        var many = new StringBuilder("{\"vectors\": [");
        for (var i = 0; i < DomainLimits.MaxItems; i++)
        {
            many.Append(i == 0 ? "[" : ",[");
            many.AppendJoin(',', Enumerable.Range(0, 11).Select(_ => random.NextInt64(-8_700_000_000_000, 8_700_000_000_000).ToString(CultureInfo.InvariantCulture)));
            many.Append(']');
        }

        ok &= Measure("kissing d=11, 10,000 vectors (item limit)", kissing, "d11", many.Append("]}").ToString(), 3, targetMs: 5000);

        var autocorrelation = BenchDomains.Open("first-autocorrelation");
        var heights = data.GetProperty("first_autocorrelation").GetProperty("step_heights_on_minus_quarter_to_quarter").GetRawText();
        ok &= Measure("autocorrelation n=600, published", autocorrelation, "n600", "{\"values\": " + heights + "}", 10, targetMs: 200);

        // Heights spanning 1e-300..1e300 force ~2,000-bit exact integers.
        var wide = string.Join(",", Enumerable.Range(0, 600).Select(i => (i % 2 == 0 ? 1e-300 : 1e300).ToString("R", CultureInfo.InvariantCulture)));
        ok &= Measure("autocorrelation n=600, heights 1e-300..1e300", autocorrelation, "n600", "{\"values\": [" + wide + "]}", 3, targetMs: 3000);

        var packing = BenchDomains.Open("circle-packing");
        var circles = data.GetProperty("circle_packing_32").GetProperty("circles_x_y_r").GetRawText();
        ok &= Measure("circle packing n=32, published", packing, "n32", "{\"circles\": " + circles + "}", 10, targetMs: 50);

        return Task.FromResult(ok ? 0 : 1);
    }

    private static bool Measure(string label, IDomain domain, string taskId, string answer, int runs, double targetMs)
    {
        var task = domain.FindTask(taskId)!.Value.Task;
        var first = domain.Evaluate(task, answer);
        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            domain.Evaluate(task, answer);
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"{label}: valid={first.Valid}, raw={first.Raw?.ToString("R", CultureInfo.InvariantCulture) ?? "-"}, median {Stats.Median(samples):0.#} ms over {runs} runs");
        return Stats.Target($"{label} median", Stats.Median(samples), targetMs, "ms");
    }

    internal static string FindData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Hyperagents.Domains.Tests", "Data", "alphaevolve-constructions.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("tests/Hyperagents.Domains.Tests/Data/alphaevolve-constructions.json not found above the benchmark's folder; run from the repository.");
    }
}
