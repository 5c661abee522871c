using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests;

/// <summary>Test data: AlphaEvolve's published constructions and answer builders.</summary>
internal static class Some
{
    private static readonly Lazy<JsonObject> Constructions = new(() =>
        JsonNode.Parse(File.ReadAllText(DataPath("alphaevolve-constructions.json")))!.AsObject());

    public static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    public static JsonObject Construction(string key) => Constructions.Value[key]!.AsObject();

    public static double[][] Circles(int n) => Rows(Construction($"circle_packing_{n}")["circles_x_y_r"]!);

    public static double[][] HeilbronnPoints() => Rows(Construction("heilbronn_triangle_11")["points"]!);

    public static double[] AutocorrelationHeights() =>
        Construction("first_autocorrelation")["step_heights_on_minus_quarter_to_quarter"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    /// <summary>The kissing vectors as raw JSON text, so that no coordinate passes through a double.</summary>
    public static string KissingVectorsJson() => Construction("kissing_number_11")["vectors"]!.ToJsonString();

    public static string[][] KissingVectorTexts() =>
        JsonDocument.Parse(KissingVectorsJson()).RootElement.EnumerateArray()
            .Select(row => row.EnumerateArray().Select(c => c.GetRawText()).ToArray()).ToArray();

    public static string CircleAnswer(IEnumerable<double[]> circles) => Answer("circles", circles);

    public static string PointAnswer(IEnumerable<double[]> points) => Answer("points", points);

    public static string HeightAnswer(IEnumerable<double> heights) =>
        "{\"values\": [" + string.Join(", ", heights.Select(R)) + "]}";

    public static string VectorAnswer(IEnumerable<IEnumerable<string>> vectors) =>
        "{\"vectors\": [" + string.Join(", ", vectors.Select(v => "[" + string.Join(", ", v) + "]")) + "]}";

    public static string VectorAnswer(IEnumerable<long[]> vectors) =>
        VectorAnswer(vectors.Select(v => v.Select(c => c.ToString(CultureInfo.InvariantCulture))));

    public static TaskSpec Task(IDomain domain, string id) =>
        domain.FindTask(id)?.Task ?? throw new InvalidOperationException($"no task {id} in {domain.Name}");

    /// <summary>The D_d root system: all vectors with two entries ±1 and the rest 0 (2d(d−1) vectors).</summary>
    public static List<long[]> RootsD(int d)
    {
        var result = new List<long[]>();
        for (var i = 0; i < d; i++)
        {
            for (var j = i + 1; j < d; j++)
            {
                foreach (var si in new[] { -1L, 1L })
                {
                    foreach (var sj in new[] { -1L, 1L })
                    {
                        var v = new long[d];
                        v[i] = si;
                        v[j] = sj;
                        result.Add(v);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>A simple valid packing: a k×k grid of equal circles, the first n of them.</summary>
    public static double[][] GridPacking(int n)
    {
        var k = (int)Math.Ceiling(Math.Sqrt(n));
        var r = 0.5 / k;
        return Enumerable.Range(0, n).Select(i => new[] { (2 * (i % k) + 1) * r, (2 * (i / k) + 1) * r, r * (1 - 1e-9) }).ToArray();
    }

    public static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Answer(string field, IEnumerable<double[]> rows) =>
        "{\"" + field + "\": [" + string.Join(", ", rows.Select(r => "[" + string.Join(", ", r.Select(R)) + "]")) + "]}";

    private static double[][] Rows(JsonNode node) =>
        node.AsArray().Select(row => row!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToArray();
}
