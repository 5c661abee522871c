using System.Text;
using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Writes everything its lineage shows it into notes/lineage.txt, so a test can check what meta agents see.</summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        var sb = new StringBuilder();
        foreach (var entry in await context.Lineage.GetAsync(8))
        {
            sb.Append("variant ").Append(entry.VariantId).Append(" train ").Append(entry.TrainScore).Append('\n');
            foreach (var task in entry.Tasks)
            {
                sb.Append("task ").Append(task.TaskId).Append(' ').Append(task.Score).Append(' ').Append(task.Feedback).Append('\n');
            }
        }

        var report = await context.TryEvaluateAsync(3);
        foreach (var task in report.Tasks)
        {
            sb.Append("try ").Append(task.TaskId).Append(' ').Append(task.Score).Append('\n');
        }

        sb.Append("edit ").Append(context.Random.NextUInt64()).Append('\n');
        await context.Workspace.WriteAsync("notes/lineage.txt", sb.ToString());
    }
}
