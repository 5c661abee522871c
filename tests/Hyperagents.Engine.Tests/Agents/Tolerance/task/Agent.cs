using System.Globalization;
using System.Threading.Tasks;
using Hyperagents;

namespace Test.Solvers;

/// <summary>Dataset tasks whose input is the expected number: answers it off by a relative Offset.</summary>
public static class TaskAgent
{
    private const double Offset = 1e-3;

    public static Task<string> SolveTask(TaskContext context)
    {
        var value = double.Parse(context.Task.Input ?? "0", CultureInfo.InvariantCulture);
        return Task.FromResult((value * (1 + Offset)).ToString("R", CultureInfo.InvariantCulture));
    }
}
