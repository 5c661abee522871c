namespace Benign;

public static class Meta
{
    public static async Task ModifySelf(MetaContext context)
    {
        var sites = await context.Mutations.GetSitesAsync("task/Solver.cs");
        if (sites.Count > 0)
        {
            await context.Mutations.MutateAsync(new MutationRequest("task/Solver.cs", context.Random.NextUInt64(), Count: 1));
        }

        await context.Log.InfoAsync($"mutated {sites.Count} sites");
    }
}
