using System.Threading.Tasks;
using Hyperagents;

namespace Seed.Evolution;

/// <summary>
/// The meta agent. With a model configured it runs a tool-using coding loop over its own workspace
/// (<see cref="ModelMeta"/>); without one, the offline engine (<see cref="OfflineMeta"/>) drives seeded syntax mutations
/// of the task agent and of this meta agent's own policy (<see cref="MutationPolicy"/>).
/// </summary>
public static class MetaAgent
{
    public static async Task ModifySelf(MetaContext context)
    {
        if (context.ModelAvailable)
        {
            await ModelMeta.RunAsync(context);
        }
        else
        {
            await OfflineMeta.RunAsync(context);
        }
    }
}
