using System.Threading.Tasks;
using Hyperagents;

namespace Seed.Solvers;

/// <summary>The task agent: dispatches each task to the solver of its domain.</summary>
public static class TaskAgent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        var task = context.Task;
        switch (task.Domain)
        {
            case "circle-packing":
                return CirclePacking.Solve(task.GetInt("n"), context.Random);
            case "heilbronn-triangle":
                return Heilbronn.Solve(task.GetInt("n"), context.Random);
            case "kissing-number":
                return KissingNumber.Solve(task.GetInt("d"), context.Random);
            case "first-autocorrelation":
                return Autocorrelation.Solve(task.GetInt("n"), context.Random);
            case "dataset":
                return await DatasetSolver.SolveAsync(context);
            case "coding":
                return await CodingSolver.SolveAsync(context);
            default:
                await context.Log.WarningAsync($"No solver for domain '{task.Domain}'.");
                return "{}";
        }
    }
}
