using System.Globalization;
using System.Text;

namespace Seed.Solvers;

/// <summary>Writes answers as JSON with round-trip number formatting.</summary>
internal static class Json
{
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Array(string key, double[] values)
    {
        var sb = new StringBuilder();
        sb.Append("{\"").Append(key).Append("\":[");
        for (var i = 0; i < values.Length; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append(Number(values[i]));
        }

        return sb.Append("]}").ToString();
    }

    public static string Rows(string key, double[][] rows)
    {
        var sb = new StringBuilder();
        sb.Append("{\"").Append(key).Append("\":[");
        for (var i = 0; i < rows.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append('[');
            for (var j = 0; j < rows[i].Length; j++)
            {
                if (j > 0)
                {
                    sb.Append(',');
                }

                sb.Append(Number(rows[i][j]));
            }

            sb.Append(']');
        }

        return sb.Append("]}").ToString();
    }
}
