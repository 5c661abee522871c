using System;
using System.Globalization;
using System.Text;
using System.Threading.Tasks;
using Hyperagents;

namespace Test.Solvers;

/// <summary>A grid packing whose fill is drawn from the task seed: its score depends on the seed, not only the code.</summary>
public static class TaskAgent
{
    private const int Skip = /*skip*/0;

    public static Task<string> SolveTask(TaskContext context)
    {
        for (var i = 0; i < Skip; i++)
        {
            context.Random.NextDouble();
        }

        var fill = 0.5 + 0.45 * context.Random.NextDouble();
        var n = context.Task.GetInt("n");
        var k = (int)Math.Ceiling(Math.Sqrt(n));
        var r = 0.5 / k * fill;
        var sb = new StringBuilder("{\"circles\":[");
        for (var i = 0; i < n; i++)
        {
            var x = (i % k + 0.5) / k;
            var y = (i / k + 0.5) / k;
            sb.Append(i == 0 ? "" : ",").Append('[').Append(x.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(y.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(r.ToString("R", CultureInfo.InvariantCulture)).Append(']');
        }

        return Task.FromResult(sb.Append("]}").ToString());
    }
}
