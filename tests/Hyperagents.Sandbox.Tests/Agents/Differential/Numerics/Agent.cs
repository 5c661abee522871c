using System.Globalization;
using System.Numerics;

public static class NumericsAgent
{
    // Two sections separated by '#': the first must be bit-identical across runtimes (IEEE arithmetic, sqrt, big
    // integers, decimals, formatting, seeded random); the second lists transcendental function values, which come from
    // each runtime's libm (musl in the sandbox, glibc natively) and may differ in the last place.
    public static Task<string> SolveTask(TaskContext context)
    {
        var n = context.Task.GetInt("n");
        var exact = new StringBuilder();
        var x = 0.1;
        for (var i = 1; i <= n * 1000; i++)
        {
            x = x * 3.999 * (1 - x) + Math.Sqrt(i) * 1e-9 + Math.Abs(Math.Round(x * 7.5) - x) * 1e-12;
            x -= Math.Floor(x);
        }

        exact.Append(x.ToString("R", CultureInfo.InvariantCulture)).Append('|');
        BigInteger factorial = 1;
        for (var i = 2; i <= n + 30; i++)
        {
            factorial *= i;
        }

        exact.Append(factorial.ToString(CultureInfo.InvariantCulture)).Append('|');
        var d = 1m;
        for (var i = 1; i <= n; i++)
        {
            d = d * 1.0625m / 1.03m;
        }

        exact.Append(d.ToString(CultureInfo.InvariantCulture)).Append('|');
        exact.Append((1.0 / 3).ToString("G17", CultureInfo.InvariantCulture)).Append('|');
        exact.Append(double.Parse("2.2250738585072014E-308", CultureInfo.InvariantCulture).ToString("E16", CultureInfo.InvariantCulture)).Append('|');
        exact.Append(MathF.Sqrt(2f).ToString("R", CultureInfo.InvariantCulture)).Append('|');
        exact.Append(Math.FusedMultiplyAdd(0.1, 0.2, 0.3).ToString("R", CultureInfo.InvariantCulture)).Append('|');
        exact.Append(context.Random.NextDouble().ToString("R", CultureInfo.InvariantCulture));

        var inputs = new[] { 0.1, 0.5, 0.7853981633974483, 1.3, 2.0, 3.7, 10.5, 123.456, 1e-5, 0.999 };
        var functions = new Func<double, double>[]
        {
            Math.Sin, Math.Cos, Math.Tan, Math.Exp, Math.Log, Math.Log10, Math.Tanh, Math.Atan, Math.Cbrt, Math.Sinh,
            v => Math.Pow(1.0001, v * 100), v => Math.Atan2(v, 1.7), v => Math.Asin(v / 200),
        };
        var libm = string.Join(",", functions.SelectMany(f => inputs.Select(v => f(v).ToString("R", CultureInfo.InvariantCulture))));
        return Task.FromResult(exact + "#" + libm);
    }

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
}
