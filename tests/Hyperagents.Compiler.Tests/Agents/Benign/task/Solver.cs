using System.Numerics;
using System.Text.Json;

namespace Benign;

public sealed record Point(double X, double Y)
{
    public double Norm => Math.Sqrt(X * X + Y * Y);
}

public static class Solver
{
    private static readonly object Sync = new();
    private static int _calls;

    public static async Task<string> SolveTask(TaskContext context)
    {
        lock (Sync)
        {
            _calls++;
        }

        var n = context.Task.Parameters.TryGetValue("n", out var raw) ? int.Parse(raw) : 5;
        var points = new List<Point>();
        for (var i = 0; i < n; i++)
        {
            points.Add(new Point(context.Random.NextDouble(), context.Random.NextDouble()));
        }

        var best = (from p in points where p.Norm < 2.0 orderby p.Norm descending select p).FirstOrDefault();
        var total = 0.0;
        foreach (var p in points)
        {
            total += p.Norm;
        }

        var (x, y) = (best?.X ?? 0, best?.Y ?? 0);
        var big = BigInteger.Pow(2, 70) + n;
        var values = new Dictionary<string, double> { ["total"] = total, ["x"] = x, ["y"] = y };
        int[] squares = [1, 4, 9];
        List<int> more = [.. squares, 16];
        using var doc = JsonDocument.Parse("{\"a\": [1, 2, 3]}");
        var count = doc.RootElement.GetProperty("a").GetArrayLength();
        await context.Log.InfoAsync($"points: {points.Count}");
        var sb = new StringBuilder();
        sb.Append($"{{\"count\": {count}, \"big\": \"{big}\", \"calls\": {_calls}, \"n\": {more.Sum() + squares.Length}, ");
        sb.Append(string.Join(", ", values.OrderBy(kv => kv.Key).Select(kv => $"\"{kv.Key}\": {kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}")));
        sb.Append('}');
        return sb.ToString();
    }

    public static IEnumerable<int> Evens(int max)
    {
        for (var i = 0; i < max; i += 2)
        {
            yield return i;
        }
    }
}
