using System.CommandLine;
using System.Globalization;
using Hyperagents.Archive;
using Hyperagents.Cli.Runs;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Models;
using Hyperagents.Sandbox;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents run</c> and <c>hyperagents resume</c>: start a DGM-H run, or continue one after any stop.</summary>
internal static class RunCommand
{
    public static Command CreateRun(CliContext context)
    {
        var options = new RunOptions();
        var name = new Option<string?>("--name") { Description = "The run's name (default: <domain>-<date>-<time>)." };
        var seedAgent = new Option<string?>("--seed-agent") { Description = "The hyperagent folder the run starts from (default: seeds/default)." };
        var archive = ArchiveCommandSupport.ArchiveOption();
        var verbose = new Option<bool>("--verbose") { Description = "Also log debug events to the log file." };
        var cluster = ClusterOption();
        var command = new Command("run", "Start a DGM-H run on a domain: offline by default, in the Wasmtime sandbox.");
        foreach (var option in options.All())
        {
            command.Options.Add(option);
        }

        command.Options.Add(name);
        command.Options.Add(seedAgent);
        command.Options.Add(archive);
        command.Options.Add(verbose);
        command.Options.Add(cluster);
        command.SetAction((parse, ct) =>
        {
            var errors = new List<string>();
            var settings = options.Apply(parse, new RunSettings { Domain = string.Empty }, errors);
            if (string.IsNullOrWhiteSpace(settings.Domain))
            {
                errors.Add($"--domain is required: one of {string.Join(", ", DomainCatalog.AllNames)}, or a domain package folder.");
            }

            var seedPath = parse.GetValue(seedAgent) ?? "seeds/default";
            var seedFolder = SeedLocator.Find(seedPath);
            if (seedFolder is null)
            {
                errors.Add($"The seed agent folder '{seedPath}' does not exist; pass --seed-agent <folder> (the default is seeds/default).");
            }

            if (settings.Domain == "dataset" && settings.DatasetPath is null && SeedLocator.Find("seeds/datasets/arithmetic.jsonl") is { } example)
            {
                settings = settings with { DatasetPath = example };
                context.Console.MarkupLine($"[grey]note:[/] --domain dataset without --dataset: using the example file {Markup.Escape(example)} (pass --dataset <file.jsonl> for your own).");
            }

            var modelSettings = options.GivenModelSettings(parse, errors);
            var modelConfig = parse.GetValue(options.ModelConfig) is { } configFile ? Path.GetFullPath(configFile) : null;
            var models = RunOptions.Models(modelConfig, modelSettings, errors);
            var runName = parse.GetValue(name) ?? $"{DomainSource.ShortName(settings.Domain)}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
            if (ArchiveStore.RunNameProblem(runName) is { } badName)
            {
                errors.Add($"--name: {badName}.");
            }

            if (ArchiveStore.ResolveFolder(parse.GetValue(archive)) is var folder && errors.Count == 0)
            {
                settings = settings with { SeedFolder = seedFolder! };
                return RunAsync(context, folder, runName, create: true, settings, models, modelSettings, modelConfig, parse.GetValue(verbose), parse.GetValue(cluster), ct);
            }

            return Task.FromResult(Fail(context, errors));
        });
        return command;
    }

    public static Command CreateResume(CliContext context)
    {
        var options = new RunOptions();
        var run = ArchiveCommandSupport.RunArgument();
        var archive = ArchiveCommandSupport.ArchiveOption();
        var verbose = new Option<bool>("--verbose") { Description = "Also log debug events to the log file." };
        var cluster = ClusterOption();
        var command = new Command("resume", "Continue a run after any stop (Ctrl+C, a budget, kill -9): no duplicate, no lost variant. Options given here override the stored ones.") { run };
        foreach (var option in options.All().Where(o => o != options.Domain && o != options.Seed && o != options.Dataset))
        {
            command.Options.Add(option);
        }

        command.Options.Add(archive);
        command.Options.Add(verbose);
        command.Options.Add(cluster);
        command.SetAction(async (parse, ct) =>
        {
            var folder = ArchiveStore.ResolveFolder(parse.GetValue(archive));
            var runName = parse.GetValue(run)!;
            RunManifest manifest;
            try
            {
                using var existing = ArchiveRun.Open(ArchiveStore.RunFolder(folder, runName));
                existing.EnsureWritable();
                manifest = RunState.CurrentManifest(existing);
            }
            catch (ArchiveException ex)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }

            var errors = new List<string>();
            (RunSettings stored, ModelSettings storedModels) = (default!, default!);
            try
            {
                (stored, storedModels) = RunHost.FromConfig(manifest);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ModelConfigurationException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }

            var settings = options.Apply(parse, stored, errors);
            var modelSettings = storedModels.Then(options.GivenModelSettings(parse, errors));
            // A config file given now replaces the stored one; none given keeps the one the run was using.
            var modelConfig = parse.GetValue(options.ModelConfig) is { } configFile ? Path.GetFullPath(configFile) : RunHost.ModelConfigOf(manifest);
            var models = RunOptions.Models(modelConfig, modelSettings, errors);
            return errors.Count > 0
                ? Fail(context, errors)
                : await RunAsync(context, folder, manifest.Name, create: false, settings, models, modelSettings, modelConfig, parse.GetValue(verbose), parse.GetValue(cluster), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Option<string?> ClusterOption() => new("--cluster")
    {
        Description = "Run the evaluations on a cluster's nodes (`hyperagents node`): localhost (or localhost/<name>), redis://host:port or postgresql://user@host:port/database (password from PGPASSWORD or HYPERAGENTS_CLUSTER_DB_PASSWORD_FILE). This process stays the only writer of the archive. See docs/cluster.md.",
    };

    private static async Task<int> RunAsync(CliContext context, string archiveFolder, string runName, bool create, RunSettings settings,
        ModelOptions models, ModelSettings modelSettings, string? modelConfig, bool verbose, string? cluster, CancellationToken ct)
    {
        try
        {
            settings = settings.Validate();
        }
        catch (InvalidOptionsException ex)
        {
            return ArchiveCommandSupport.Error(context, ex.Message);
        }

        ClusterSession? clusterSession = null;
        if (cluster is not null)
        {
            var (spec, secret, problem) = ClusterRuns.Resolve(cluster);
            if (problem is not null)
            {
                return ArchiveCommandSupport.Error(context, problem);
            }

            clusterSession = new ClusterSession(spec!, secret!, settings.TaskLimits);
            if (await clusterSession.CheckAsync(ct).ConfigureAwait(false) is { } unusable)
            {
                await clusterSession.DisposeAsync().ConfigureAwait(false);
                return ArchiveCommandSupport.Error(context, unusable);
            }
        }

        await using var clusterOwner = clusterSession;

        IReadOnlyDictionary<string, string> seedFiles;
        IDomain? opened = null;
        try
        {
            seedFiles = AgentSource.FromDirectory(settings.SeedFolder).Files;

            // A new run opens its domain here (a package's evaluator compiles now, before anything is archived); a
            // resumed one opens the copy archived in the run.
            if (create)
            {
                opened = DomainSource.Open(settings.Domain, settings.DatasetPath);
            }
        }
        catch (Exception ex) when (ex is AgentSourceException or UnknownDomainException or ArgumentException or DatasetFormatException or IOException or DomainPackageException)
        {
            return ArchiveCommandSupport.Error(context, ex.Message);
        }

        using var openedOwner = new DomainOwner(opened);
        var package = (opened as PackageDomain)?.Package;

        var runFolder = ArchiveStore.RunFolder(archiveFolder, runName);
        ArchiveRun archive;
        try
        {
            ArchiveStore.PrepareFolder(archiveFolder);
            archive = create
                ? ArchiveRun.Create(
                    runFolder,
                    new RunManifest(runName, package?.Name ?? settings.Domain, Path.GetFileName(settings.SeedFolder.TrimEnd('/')), RunHost.ToConfig(settings, modelSettings, modelConfig)) { DomainPackage = package?.Hash },
                    domainPackage: package?.Files)
                : ArchiveRun.Open(runFolder);
        }
        catch (ArchiveException ex)
        {
            var hint = create && Directory.Exists(runFolder) ? $" Continue it with `hyperagents resume {runName}`, or pick another --name." : string.Empty;
            return ArchiveCommandSupport.Error(context, ex.Message + hint);
        }

        using (archive)
        {
            var logs = Path.Combine(archiveFolder, "logs");
            Directory.CreateDirectory(logs);
            CliContext.ConfigureLogging(Path.Combine(logs, runName), verbose);
            var before = archive.ListVariants().Count(v => v.Parent is not null);
            var started = System.Diagnostics.Stopwatch.StartNew();
            var progress = new RunProgress(context.Console, settings.Generations, before, () => BudgetLeft(settings, models, started.Elapsed),
                raw: id => RawOfSelectionSplit(archive, id), soFar: RunSoFar.From(archive));

            // What this session runs with becomes the run's settings for every later command (status, eval, resume).
            RunState.SaveSettings(archive, RunHost.ToConfig(settings, modelSettings, modelConfig));
            var session = RunState.BeginSession(archive);
            RunHost host;
            try
            {
                if (clusterSession is not null)
                {
                    await clusterSession.ConnectAsync(context, archiveFolder, runName, ct).ConfigureAwait(false);
                }

                host = RunHost.Create(archive, settings, models, e =>
                {
                    progress.OnEvent(e);
                    if (e is AttemptArchived or SeedEvaluated or RunStopped)
                    {
                        session(progress.Rates);
                    }
                }, domain: openedOwner.Take(), draws: clusterSession is null ? null : clusterSession.Dispatcher);
            }
            catch (Exception ex) when (ex is SandboxUnavailableException or ContainedUnavailableException or DomainPackageException or ClusterUnavailableException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }
            catch (OperationCanceledException)
            {
                context.Console.MarkupLine($"[yellow]interrupted.[/] Continue with: hyperagents resume {Markup.Escape(runName)}");
                return 130;
            }

            await using (host.ConfigureAwait(false))
            {
                if (clusterSession is not null && host.Models?.HasModel(ChatRole.Task) == true)
                {
                    // Task-side chats on nodes would use each node's own configuration, not this one: refused rather than silently different.
                    return ArchiveCommandSupport.Error(context, "--cluster with a task-side model is not supported yet (draws on nodes would use each node's own model configuration, not this one); give only --meta-model, or run without --cluster.");
                }

                if (clusterSession is not null && settings.ShareBest)
                {
                    // Nodes do not hold the run's shared pool: a granted draw would be served nothing there.
                    return ArchiveCommandSupport.Error(context, "--cluster with --share-best is not supported yet (nodes do not hold the run's shared answers); run without one of them.");
                }

                context.Console.MarkupLine(
                    $"[bold]{(create ? "run" : "resume")} {Markup.Escape(runName)}[/]: domain {Markup.Escape(DomainSource.Label(host.Domain))}, {settings.Generations} generations, " +
                    $"{settings.Replicates} replicate{(settings.Replicates == 1 ? "" : "s")} per task, {settings.Isolation} isolation, selection {settings.Selection}, " +
                    (!host.HasModel ? "offline mutation engine" : "model: " + Markup.Escape(string.Join(", ", modelSettings.ToFlags().Select(f => f.Flag + " " + f.Value)))) +
                    (settings.ShareBest ? ", sharing train answers (--share-best)" : string.Empty) +
                    (before > 0 ? $", {before} attempts already archived" : string.Empty));
                if (clusterSession is not null)
                {
                    context.Console.MarkupLine(Markup.Escape(!host.HasModel
                        ? "note: with --cluster the ModifySelf sessions run on the nodes, each with its own model configuration and keys (the offline engine on a node with none)."
                        : "note: with --cluster the ModifySelf sessions run on the nodes with each node's OWN model configuration and keys (HYPERAGENTS_META_MODEL / HYPERAGENTS_MODEL and the key variables in the node's environment); the model given here is not used for them and no key is sent (a node with none runs the offline engine)."));
                }

                if (settings.ModelBandit && (host.Models is null || host.Models.ModelsFor(ChatRole.Meta).Count == 0))
                {
                    context.Console.MarkupLine("note: --model-bandit is inert: there is no meta model ensemble to choose from (it needs --model, --meta-model or --ensemble).");
                }

                if (!host.HasModel && OfflineTargets.NothingToMutate(seedFiles, host.Domain.Name))
                {
                    context.Console.MarkupLine(Markup.Escape(
                        $"note: the offline engine has nothing to mutate for domain {host.Domain.Name}: no task file it runs has a @range/@alt site, so children can only change the meta agent's own policy. " +
                        $"Add @range/@alt sites (hyperagents new agent <folder> --domain {settings.Domain} writes a solver stub with some) or configure a model."));
                }

                if (host.Domain.GetTasks(Split.Train).Count == 0)
                {
                    context.Console.MarkupLine(Markup.Escape(
                        $"note: domain {host.Domain.Name} has no train tasks, so the meta agent gets no scores or feedback to improve from, and children skip the staged check (they are evaluated on every split at once). " +
                        "Add tasks with \"split\": \"train\" to the package."));
                }

                if (host.Domain.GetTasks(Split.Val).Count == 0)
                {
                    context.Console.MarkupLine(Markup.Escape(
                        $"note: domain {host.Domain.Name} has no val tasks, so parents are selected on train scores, which the meta agent sees; a child can then gain by fitting train alone. " +
                        "Add tasks with \"split\": \"val\" to the package for an honest selection score."));
                }

                RunSummary summary;
                try
                {
                    summary = await progress.ShowAsync(() => host.Loop.RunAsync(seedFiles, ct)).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    context.Console.MarkupLine($"[yellow]interrupted.[/] Continue with: hyperagents resume {Markup.Escape(runName)}");
                    return 130;
                }
                catch (InvalidOperationException ex)
                {
                    return ArchiveCommandSupport.Error(context, ex.Message);
                }

                PrintSummary(context, archive, runName, runFolder, summary, progress, settings);
                if (ct.IsCancellationRequested)
                {
                    context.Console.MarkupLine($"[yellow]interrupted.[/] Continue with: hyperagents resume {Markup.Escape(runName)}");
                    return 130;
                }

                return 0;
            }
        }
    }

    private static void PrintSummary(CliContext context, ArchiveRun archive, string runName, string runFolder, RunSummary summary, RunProgress progress, RunSettings settings)
    {
        var variants = archive.ListVariants();
        var children = variants.Where(v => v.Parent is not null).ToList();
        var table = new Table().AddColumns("", "");
        table.AddRow("stopped", Markup.Escape(summary.Reason));
        table.AddRow("attempts", $"{children.Count} of {settings.Generations}");
        var accepted = children.Where(v => v.Status.State == VariantState.Accepted).ToList();
        table.AddRow("accepted", accepted.Count.ToString(CultureInfo.InvariantCulture));
        table.AddRow("no behavioural change", $"{accepted.Count(v => ArchiveCommandSupport.NoBehaviouralChange(archive, v))} of the accepted (same answers as the parent on every draw)");
        table.AddRow("rejected", children.Count(v => v.Status.State == VariantState.Rejected).ToString(CultureInfo.InvariantCulture));
        table.AddRow("failed", children.Count(v => v.Status.State == VariantState.Failed).ToString(CultureInfo.InvariantCulture));
        var format = ScoreFormat.For(variants);
        var seed = variants.OrderBy(v => v.Sequence).First();
        table.AddRow("seed score", Markup.Escape(ArchiveCommandSupport.Scores(archive, seed, format)));
        if (summary.BestId is { } best)
        {
            table.AddRow("best", Markup.Escape($"{best[..12]} {ArchiveCommandSupport.Scores(archive, archive.GetVariant(best), format)}"));
        }

        table.AddRow("pace", Markup.Escape(progress.Rates + " (this session)"));
        table.AddRow("archive", Markup.Escape(runFolder));
        context.Console.Write(table);
        context.Console.MarkupLine("Next:");
        foreach (var next in new[]
        {
            $"hyperagents status {runName}",
            $"hyperagents lineage {runName}",
            $"hyperagents show {runName} best",
            $"hyperagents diff {runName} best",
            $"hyperagents eval {runName} best --split test",
            summary.Complete ? $"hyperagents resume {runName} --generations {settings.Generations + 10}" : $"hyperagents resume {runName}",
            $"git -C {runFolder} log --graph --oneline --exclude='refs/notes/*' --all",
        })
        {
            context.Console.MarkupLine("  " + Markup.Escape(next));
        }
    }

    /// <summary>The raw figure of a variant's selection split (val, else train, else staged), for the progress lines.</summary>
    private static string? RawOfSelectionSplit(ArchiveRun archive, string id)
    {
        var latest = ScoreStatistics.LatestSplits(archive.GetEvaluations(id));
        return new[] { "val", "train", "staged" }.Select(name => latest.TryGetValue(name, out var s) ? ScoreFormat.Raw(s.Split, s.RawFigure) : null).FirstOrDefault(r => r is not null);
    }

    private static string BudgetLeft(RunSettings settings, ModelOptions models, TimeSpan elapsed)
    {
        var parts = new List<string>();
        if (settings.WallClockBudget is { } wall)
        {
            // The wall-clock budget counts per invocation: a resumed run gets the whole budget again (docs/loop.md).
            var left = wall - elapsed;
            parts.Add(left > TimeSpan.Zero ? $"time {left.TotalMinutes:0.0} of {wall.TotalMinutes:0.#} min left" : "time budget spent");
        }

        if (models.TokenBudget is { } tokens)
        {
            parts.Add($"token budget {tokens}");
        }

        return parts.Count == 0 ? "no budget but generations" : string.Join(", ", parts);
    }

    private static int Fail(CliContext context, List<string> errors)
    {
        foreach (var error in errors)
        {
            context.Console.MarkupLine($"[red]error:[/] {Markup.Escape(error)}");
        }

        return 2;
    }
}

/// <summary>Disposes a domain opened ahead of its run host unless the host took it.</summary>
internal sealed class DomainOwner(IDomain? domain) : IDisposable
{
    private IDomain? _domain = domain;

    public IDomain? Take()
    {
        var taken = _domain;
        _domain = null;
        return taken;
    }

    public void Dispose() => (Take() as IDisposable)?.Dispose();
}

/// <summary>What the shipped seed's offline engine (seeds/default/meta/OfflineMeta.cs) mutates: the task files whose
/// <c>// @domain</c> line names the run's domain, else any task file with marked sites that names no domain.</summary>
internal static class OfflineTargets
{
    /// <summary>The line a seed's task file starts with to name the domain it solves (<c>// @domain circle-packing</c>):
    /// the one statement of which file serves which domain, read here and by the shipped seed's offline engine.</summary>
    public const string DomainMarker = "// @domain ";

    /// <summary>Whether no task file the domain runs carries a marked mutation site: the files that name the domain, or,
    /// when none does, every task file that names no domain.</summary>
    public static bool NothingToMutate(IReadOnlyDictionary<string, string> seedFiles, string domain)
    {
        var taskFiles = seedFiles.Where(f => f.Key.StartsWith("task/", StringComparison.Ordinal) && f.Key.EndsWith(".cs", StringComparison.Ordinal))
            .Select(f => (Path: f.Key, Domain: DomainOf(f.Value)))
            .ToList();
        var own = taskFiles.Where(f => f.Domain == domain).ToList();
        var candidates = own.Count > 0 ? own : taskFiles.Where(f => f.Domain is null).ToList();
        return !candidates.Any(f => MutationEngine.GetSites(seedFiles[f.Path]).Any(s => s.Marked));
    }

    /// <summary>The domain a task file names on a <see cref="DomainMarker"/> line, or <see langword="null"/>.</summary>
    public static string? DomainOf(string source) =>
        source.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(DomainMarker, StringComparison.Ordinal))?[DomainMarker.Length..].Trim();
}
