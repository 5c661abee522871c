using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Hyperagents;

namespace Seed.Evolution;

/// <summary>
/// The offline engine: no model, only the host's mutation toolkit. Each candidate edit mutates either a task file of
/// the run's domain or this meta agent's own policy; candidates that touch the task agent are screened on a few
/// training tasks and the best is kept.
/// </summary>
internal static class OfflineMeta
{
    private const string PolicyFile = "meta/MutationPolicy.cs";

    /// <summary>The parent selector (<c>--selection agent</c>), the other meta file whose sites an edit may move.</summary>
    private const string SelectorFile = "meta/ParentSelector.cs";

    /// <summary>The line a task file starts with to say which domain's tasks it solves (the one place this is said: the
    /// host reads the same line to warn when a run has nothing to mutate).</summary>
    private const string DomainMarker = "// @domain ";

    public static async Task RunAsync(MetaContext context)
    {
        var lineage = await context.Lineage.GetAsync(1);
        var parentScore = lineage.Count > 0 ? lineage[0].TrainScore ?? 0 : 0;
        var taskFiles = await TaskFilesAsync(context);

        string? bestPath = null, bestContent = null;
        var bestScore = double.NegativeInfinity;
        for (var candidate = 0; candidate < MutationPolicy.Candidates; candidate++)
        {
            var editsPolicy = taskFiles.Count == 0 || context.Random.NextDouble() < MutationPolicy.MetaProbability;
            var path = editsPolicy ? await MetaFileAsync(context) : taskFiles[context.Random.NextInt(taskFiles.Count)];
            var original = await context.Workspace.ReadAsync(path);
            var report = await context.Mutations.MutateAsync(new MutationRequest(
                path,
                context.Random.NextUInt64(),
                MutationPolicy.SitesPerEdit,
                MutationPolicy.Kinds,
                MutationPolicy.Scale,
                MutationPolicy.MarkedOnly));
            foreach (var m in report.Applied)
            {
                await context.Log.InfoAsync($"{path}:{m.Line} {m.Kind}: {m.Before} -> {m.After}");
            }

            if (editsPolicy)
            {
                // A policy or selector edit cannot be screened on tasks: its effect shows only in the children it produces.
                return;
            }

            var score = await ScreenAsync(context);
            await context.Log.InfoAsync($"candidate {candidate}: {path} screened at {score:0.######} (parent {parentScore:0.######})");
            if (score > bestScore)
            {
                bestScore = score;
                bestPath = path;
                bestContent = await context.Workspace.ReadAsync(path);
            }

            await context.Workspace.WriteAsync(path, original);
        }

        if (bestPath is not null)
        {
            await context.Workspace.WriteAsync(bestPath, bestContent!);
        }
    }

    /// <summary>Which meta file a self-edit moves: the mutation policy, or the parent selector when it is present.</summary>
    private static async Task<string> MetaFileAsync(MetaContext context)
    {
        var selector = context.Random.NextDouble() < MutationPolicy.SelectorShare;
        return selector && (await context.Workspace.ListAsync()).Any(f => f.Path == SelectorFile) ? SelectorFile : PolicyFile;
    }

    private static async Task<List<string>> TaskFilesAsync(MetaContext context)
    {
        var owners = new Dictionary<string, string?>();
        foreach (var path in (await context.Workspace.ListAsync()).Select(f => f.Path).Where(p => p.StartsWith("task/", StringComparison.Ordinal) && p.EndsWith(".cs", StringComparison.Ordinal)))
        {
            owners[path] = DomainOf(await context.Workspace.ReadAsync(path));
        }

        var chosen = owners.Where(o => o.Value is not null && context.Domains.Contains(o.Value)).Select(o => o.Key).ToList();
        if (chosen.Count > 0)
        {
            return chosen;
        }

        // No file says it solves this domain: any task file with marked sites, except the files of other domains, which
        // this domain's tasks never run (mutating them would make every child a copy of its parent in effect).
        var withSites = new List<string>();
        foreach (var path in owners.Where(o => o.Value is null).Select(o => o.Key))
        {
            if ((await context.Mutations.GetSitesAsync(path)).Any(s => s.Marked))
            {
                withSites.Add(path);
            }
        }

        return withSites;
    }

    private static string? DomainOf(string source)
    {
        foreach (var line in source.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith(DomainMarker, StringComparison.Ordinal))
            {
                return trimmed.Substring(DomainMarker.Length).Trim();
            }
        }

        return null;
    }

    private static async Task<double> ScreenAsync(MetaContext context)
    {
        try
        {
            var report = await context.TryEvaluateAsync(MutationPolicy.ScreenTasks);
            return report.Compile.Success ? report.Score : double.NegativeInfinity;
        }
        catch (HostCallException ex) when (ex.Code == "budget-exhausted")
        {
            return double.NegativeInfinity;
        }
    }
}
