using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Cli.Runs;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Models;
using Hyperagents.Reporting;
using Hyperagents.Sandbox;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents experiment</c>: a grid of ordinary runs (arms — selection strategies and baselines — × seeds),
/// resumable, then imp@k per arm as a table, CSV and an HTML page (docs/experiments.md).</summary>
internal static class ExperimentCommand
{
    public const string ManifestFile = "experiment.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var options = new RunOptions();
        var strategies = new Option<string?>("--strategies") { Description = "Comma-separated selection strategies, each a name --selection takes (e.g. score_child_prop,random)." };
        var baselines = new Option<string?>("--baselines") { Description = "Comma-separated ablations, each a name --baseline takes: no-selfimprove, no-archive." };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds per arm: the runs use seeds 1..N (default 3)." };
        var parallel = new Option<int?>("--parallel") { Description = "Cells run at once, also bounded by the runner's capacity (default 1)." };
        var output = new Option<string?>("--out") { Description = "The experiment folder; every cell is a run in it (default: <archive>/experiment-<domain>-<grid hash>)." };
        var seedAgent = new Option<string?>("--seed-agent") { Description = "The hyperagent folder every run starts from (default: seeds/default)." };
        var archive = ArchiveCommandSupport.ArchiveOption();
        var verbose = new Option<bool>("--verbose") { Description = "Also log debug events to the log file." };
        var command = new Command("experiment", "Run a grid of strategies and baselines × seeds (resumable), then report imp@k per arm with 95 % intervals, as a table, CSV and HTML.");
        var excluded = new Option[] { options.Parallel, options.Seed, options.Selection, options.Baseline };
        foreach (var option in options.All().Where(o => !excluded.Contains(o)))
        {
            command.Options.Add(option);
        }

        foreach (var option in new Option[] { strategies, baselines, seeds, parallel, output, seedAgent, archive, verbose })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) =>
        {
            var errors = new List<string>();
            var baseSettings = options.Apply(parse, new RunSettings { Domain = string.Empty }, errors);
            if (string.IsNullOrWhiteSpace(baseSettings.Domain))
            {
                errors.Add($"--domain is required: one of {string.Join(", ", DomainCatalog.AllNames)}, or a domain package folder.");
            }

            var seedCount = parse.GetValue(seeds) ?? 3;
            if (seedCount < 1)
            {
                errors.Add($"--seeds must be at least 1 (was {seedCount}): pass --seeds N, the runs then use seeds 1..N.");
            }

            if (parse.GetValue(options.Generations) is null)
            {
                errors.Add("--generations is required: the attempts of every run (imp@k is reported for k = 5, 10, 25, 50 where reached, and for this number).");
            }

            var cellsAtOnce = parse.GetValue(parallel) ?? 1;
            if (cellsAtOnce < 1)
            {
                errors.Add($"--parallel must be at least 1 (was {cellsAtOnce}).");
            }

            var seedPath = parse.GetValue(seedAgent) ?? "seeds/default";
            var seedFolder = SeedLocator.Find(seedPath);
            if (seedFolder is null)
            {
                errors.Add($"The seed agent folder '{seedPath}' does not exist; pass --seed-agent <folder> (the default is seeds/default).");
            }

            var arms = Arms(parse.GetValue(strategies), parse.GetValue(baselines), errors);
            var modelSettings = options.GivenModelSettings(parse, errors);
            var models = RunOptions.Models(parse.GetValue(options.ModelConfig), modelSettings, errors);
            if (errors.Count > 0)
            {
                return Task.FromResult(Fail(context, errors));
            }

            baseSettings = baseSettings with { SeedFolder = seedFolder! };
            var grid = new ExperimentGrid(baseSettings.Domain, arms, seedCount, baseSettings.Generations, RunHost.ToConfig(baseSettings, modelSettings));
            var folder = parse.GetValue(output) is { } given
                ? Path.GetFullPath(given)
                : Path.Combine(ArchiveStore.ResolveFolder(parse.GetValue(archive)), $"experiment-{DomainSource.ShortName(baseSettings.Domain)}-{grid.Hash}");
            var commandLine = CommandLine(parse, output, folder);
            return RunAsync(context, folder, grid, commandLine, baseSettings, models, modelSettings, cellsAtOnce, parse.GetValue(verbose), ct);
        });
        return command;
    }

    /// <summary>The arms of the grid: each strategy as <c>run --selection</c> parses it and each baseline as
    /// <c>run --baseline</c> does, through <see cref="RunOptions.Apply"/> itself, so every name <c>run</c> accepts is
    /// accepted here and nothing else.</summary>
    public static IReadOnlyList<ExperimentArm> Arms(string? strategies, string? baselines, List<string> errors)
    {
        var arms = new List<ExperimentArm>();
        foreach (var (list, kind) in new[] { (strategies, ArmKind.Strategy), (baselines, ArmKind.Baseline) })
        {
            foreach (var name in (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var problems = new List<string>();
                var arm = new ExperimentArm(name, kind);
                _ = arm.Apply(new RunSettings { Domain = "-" }, problems);
                if (kind == ArmKind.Baseline && string.Equals(name, "none", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add("--baselines 'none' is the full loop, not an ablation: list strategies in --strategies and ablations (no-selfimprove, no-archive) in --baselines");
                }

                if (ArchiveStore.RunNameProblem(arm.RunName(1)) is { } bad)
                {
                    problems.Add($"'{name}' cannot name a run folder ({bad})");
                }

                if (problems.Count > 0)
                {
                    errors.Add($"{(kind == ArmKind.Strategy ? "--strategies" : "--baselines")}: {problems[0].TrimEnd('.')}.");
                }
                else if (arms.Any(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add($"'{name}' is listed twice: name each strategy and baseline once.");
                }
                else
                {
                    arms.Add(arm);
                }
            }
        }

        if (arms.Count == 0 && errors.Count == 0)
        {
            errors.Add("--strategies is required: one or more names --selection takes, e.g. --strategies score_child_prop,random (and optionally --baselines no-selfimprove,no-archive).");
        }

        return arms;
    }

    private static async Task<int> RunAsync(CliContext context, string folder, ExperimentGrid grid, string commandLine, RunSettings baseSettings,
        ModelOptions models, ModelSettings modelSettings, int cellsAtOnce, bool verbose, CancellationToken ct)
    {
        try
        {
            baseSettings.Validate();
        }
        catch (InvalidOptionsException ex)
        {
            return ArchiveCommandSupport.Error(context, ex.Message);
        }

        IReadOnlyDictionary<string, string> seedFiles;
        int capacity;
        try
        {
            seedFiles = AgentSource.FromDirectory(baseSettings.SeedFolder).Files;
            (DomainSource.Open(baseSettings.Domain, baseSettings.DatasetPath) as IDisposable)?.Dispose();

            await using var runner = Runners.Create(baseSettings.Isolation);
            capacity = runner.Capacity;
        }
        catch (Exception ex) when (ex is AgentSourceException or UnknownDomainException or ArgumentException or DatasetFormatException or IOException
            or DomainPackageException or SandboxUnavailableException or ContainedUnavailableException)
        {
            return ArchiveCommandSupport.Error(context, ex.Message);
        }

        if (CheckManifest(folder, grid, commandLine) is { } problem)
        {
            return ArchiveCommandSupport.Error(context, problem);
        }

        var cells = grid.Arms.SelectMany(arm => Enumerable.Range(1, grid.Seeds).Select(seed => (Arm: arm, Seed: (ulong)seed))).ToList();
        var logs = Path.Combine(folder, "logs");
        Directory.CreateDirectory(logs);
        CliContext.ConfigureLogging(Path.Combine(logs, "experiment"), verbose);
        var atOnce = Math.Min(cellsAtOnce, Math.Max(1, capacity));
        context.Console.MarkupLine(Markup.Escape(
            $"experiment {Path.GetFileName(folder)}: domain {grid.Domain}, {grid.Arms.Count} arm(s) × {grid.Seeds} seed(s) × {grid.Generations} generations, " +
            $"{atOnce} cell(s) at once (--parallel {cellsAtOnce}, runner capacity {capacity}), folder {folder}"));

        var console = new object();
        void Say(string line)
        {
            lock (console)
            {
                context.Console.MarkupLine(Markup.Escape(line));
            }
        }

        // Cells start in grid order, at most atOnce at a time: a fixed number of workers take the next cell from one queue.
        var queue = new System.Collections.Concurrent.ConcurrentQueue<(ExperimentArm Arm, ulong Seed)>(cells);
        var failed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var done = 0;
        var tasks = Enumerable.Range(0, atOnce).Select(_ => Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested && queue.TryDequeue(out var cell))
            {
                var name = cell.Arm.RunName(cell.Seed);
                var settings = cell.Arm.Apply(baseSettings with { Seed = cell.Seed, Generations = grid.Generations }, []);
                try
                {
                    var outcome = await RunCellAsync(folder, name, settings, seedFiles, models, modelSettings, ct).ConfigureAwait(false);
                    Say($"cell {Interlocked.Increment(ref done)}/{cells.Count} {name}: {outcome}");
                }
                catch (CellException ex)
                {
                    failed.Add(ex.Message);
                }
            }
        }, CancellationToken.None)).ToList();

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            context.Console.MarkupLine($"[yellow]interrupted.[/] Continue with: {Markup.Escape(commandLine)}");
            return 130;
        }

        if (ct.IsCancellationRequested)
        {
            context.Console.MarkupLine($"[yellow]interrupted.[/] Continue with: {Markup.Escape(commandLine)}");
            return 130;
        }

        if (!failed.IsEmpty)
        {
            foreach (var failure in failed.Distinct().Order(StringComparer.Ordinal))
            {
                context.Console.MarkupLine($"[red]error:[/] {Markup.Escape(failure)}");
            }

            return 2;
        }

        var results = cells.Select(c => ReadCell(folder, c.Arm.Name, c.Seed, c.Arm.RunName(c.Seed), grid.Generations)).ToList();
        var ks = ExperimentStatistics.KsFor(grid.Generations);
        var rows = ExperimentStatistics.Summaries(results, ks);
        File.WriteAllText(Path.Combine(folder, "cells.csv"), ExperimentStatistics.CellsCsv(results, ks));
        File.WriteAllText(Path.Combine(folder, "summary.csv"), ExperimentStatistics.SummaryCsv(rows));
        File.WriteAllText(Path.Combine(folder, "experiment.html"), ExperimentPage.Render(Path.GetFileName(folder), commandLine, results, rows));
        PrintTable(context, grid, results, rows, ks);
        context.Console.MarkupLine(Markup.Escape($"wrote {Path.Combine(folder, "cells.csv")}, {Path.Combine(folder, "summary.csv")}, {Path.Combine(folder, "experiment.html")}"));
        context.Console.MarkupLine(Markup.Escape($"a cell is an ordinary run: hyperagents status {results[0].Run} --archive {folder}"));
        return 0;
    }

    private static void PrintTable(CliContext context, ExperimentGrid grid, IReadOnlyList<ExperimentCell> cells, IReadOnlyList<ArmSummary> rows, IReadOnlyList<int> ks)
    {
        var table = new Table().AddColumn("arm").AddColumn("seeds");
        foreach (var k in ks)
        {
            table.AddColumn($"imp@{k}");
        }

        table.AddColumn("evaluations").AddColumn("tokens");
        foreach (var arm in grid.Arms)
        {
            var mine = rows.Where(r => r.Arm == arm.Name).ToList();
            var line = new List<string> { arm.Name, cells.Count(c => c.Arm == arm.Name).ToString(CultureInfo.InvariantCulture) };
            line.AddRange(ks.Select(k => mine.FirstOrDefault(r => r.K == k)?.Imp?.ToString("0.000000") ?? "-"));
            line.Add(mine.Count > 0 ? mine[0].Evaluations.ToString(CultureInfo.InvariantCulture) : "0");
            line.Add(mine.Count > 0 ? mine[0].Tokens.ToString(CultureInfo.InvariantCulture) : "0");
            table.AddRow(line.Select(Markup.Escape).ToArray());
        }

        context.Console.MarkupLine("imp@k = best score after k generations − the seed's score (selection split, normalised, higher better): mean ± 95 % Student-t half-width over seeds");
        context.Console.Write(table);
    }

    /// <summary>Runs one cell to its target: creates its run, resumes it when it stopped short, skips it when complete.</summary>
    private static async Task<string> RunCellAsync(string folder, string name, RunSettings settings, IReadOnlyDictionary<string, string> seedFiles,
        ModelOptions models, ModelSettings modelSettings, CancellationToken ct)
    {
        var runFolder = ArchiveStore.RunFolder(folder, name);
        var create = !Directory.Exists(runFolder);
        var config = RunHost.ToConfig(settings, modelSettings);
        IDomain? opened = null;
        ArchiveRun archive;
        try
        {
            if (create)
            {
                opened = DomainSource.Open(settings.Domain, settings.DatasetPath);
                var package = (opened as PackageDomain)?.Package;
                archive = ArchiveRun.Create(
                    runFolder,
                    new RunManifest(name, package?.Name ?? settings.Domain, Path.GetFileName(settings.SeedFolder.TrimEnd('/')), config) { DomainPackage = package?.Hash },
                    domainPackage: package?.Files);
            }
            else
            {
                archive = ArchiveRun.Open(runFolder);
            }
        }
        catch (Exception ex) when (ex is ArchiveException or UnknownDomainException or DatasetFormatException or IOException or DomainPackageException)
        {
            (opened as IDisposable)?.Dispose();
            throw new CellException($"cell {name}: {ex.Message}");
        }

        using var owner = new DomainOwner(opened);
        using (archive)
        {
            var attempts = archive.ListVariants().Count(v => v.Parent is not null);
            if (!create)
            {
                archive.EnsureWritable();
                if (StoredSettingsProblem(archive, settings, modelSettings) is { } problem)
                {
                    throw new CellException($"the experiment folder {folder} holds a run '{name}' made with other settings ({problem}): pass another --out for this grid, or remove that run.");
                }

                if (attempts >= settings.Generations)
                {
                    return $"complete ({attempts} attempts), skipped";
                }
            }

            // The existing resume path: the loop continues from the archive, redoing only the attempts it lacks.
            RunState.SaveSettings(archive, config);
            RunHost host;
            try
            {
                host = RunHost.Create(archive, settings, models, listener: null, domain: owner.Take());
            }
            catch (Exception ex) when (ex is SandboxUnavailableException or ContainedUnavailableException or DomainPackageException)
            {
                throw new CellException($"cell {name}: {ex.Message}");
            }

            await using (host.ConfigureAwait(false))
            {
                RunSummary summary;
                try
                {
                    summary = await host.Loop.RunAsync(seedFiles, ct).ConfigureAwait(false);
                }
                catch (InvalidOperationException ex)
                {
                    throw new CellException($"cell {name}: {ex.Message}");
                }

                ct.ThrowIfCancellationRequested();
                var verb = create ? "ran" : $"resumed after {attempts} attempt(s), ran";
                return $"{verb} to {summary.Attempts} attempts, {summary.Accepted} accepted, best {(summary.BestScore is { } b ? b.ToString("0.000000", CultureInfo.InvariantCulture) : "none")} ({summary.Reason})";
            }
        }
    }

    /// <summary>Why a run found in the experiment folder is not this cell: its stored settings differ beyond the target of
    /// attempts (a cell stopped short keeps a smaller target until it is resumed).</summary>
    private static string? StoredSettingsProblem(ArchiveRun archive, RunSettings expected, ModelSettings modelSettings)
    {
        RunSettings stored;
        ModelSettings storedModels;
        try
        {
            (stored, storedModels) = RunHost.FromConfig(RunState.CurrentManifest(archive));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ModelConfigurationException or JsonException)
        {
            return ex.Message.TrimEnd('.');
        }

        var want = RunHost.ToConfig(expected, modelSettings).GetRawText();
        var have = RunHost.ToConfig(stored with { Generations = expected.Generations }, storedModels).GetRawText();
        return want == have ? null : $"seed {stored.Seed}, selection {stored.Selection}, baseline {stored.Baseline}, domain {stored.Domain}, isolation {stored.Isolation}";
    }

    private static ExperimentCell ReadCell(string folder, string arm, ulong seed, string name, int generations)
    {
        using var run = ArchiveRun.Open(ArchiveStore.RunFolder(folder, name));
        var variants = run.ListVariants();
        long tokens = 0;
        foreach (var v in variants)
        {
            if (run.ReadProvenance(v.Id).Model is { } usage)
            {
                tokens += usage.InputTokens + usage.OutputTokens;
            }
        }

        var curve = ExperimentStatistics.BestAfter(variants).Take(generations + 1).ToList();
        return new ExperimentCell(arm, seed, name, curve, variants.Sum(v => (long)v.Evaluations), tokens);
    }

    /// <summary>Writes the experiment's manifest on first use; afterwards, a folder made for another grid is an error
    /// naming the command that made it.</summary>
    private static string? CheckManifest(string folder, ExperimentGrid grid, string commandLine)
    {
        var file = Path.Combine(folder, ManifestFile);
        if (File.Exists(file))
        {
            ExperimentManifest? stored;
            try
            {
                stored = JsonSerializer.Deserialize<ExperimentManifest>(File.ReadAllText(file), Json);
            }
            catch (JsonException ex)
            {
                return $"{file} is not an experiment manifest ({ex.Message}): pass another --out.";
            }

            if (stored?.Grid is null || stored.Grid.Hash != grid.Hash)
            {
                return $"the folder {folder} holds another experiment ({stored?.Grid?.Describe() ?? "unreadable"}): " +
                    $"pass another --out for this grid, or rerun the command in its {ManifestFile} to resume that one.";
            }

            return null;
        }

        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            return $"the folder {folder} exists and is not an experiment folder (no {ManifestFile}): pass another --out.";
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(file, JsonSerializer.Serialize(new ExperimentManifest(grid, commandLine, DateTimeOffset.UtcNow), Json));
        return null;
    }

    private static string CommandLine(ParseResult parse, Option output, string folder)
    {
        var tokens = parse.Tokens.Select(t => t.Value).ToList();
        if (parse.GetResult(output) is null)
        {
            tokens.AddRange(["--out", folder]);
        }

        return "hyperagents " + string.Join(' ', tokens.Select(Quote));
    }

    private static string Quote(string token) =>
        token.Length > 0 && token.All(c => char.IsAsciiLetterOrDigit(c) || "-_.,/:=@+".Contains(c, StringComparison.Ordinal))
            ? token
            : "'" + token.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static int Fail(CliContext context, List<string> errors)
    {
        foreach (var error in errors)
        {
            context.Console.MarkupLine($"[red]error:[/] {Markup.Escape(error)}");
        }

        return 2;
    }

    private sealed class CellException(string message) : Exception(message);
}

/// <summary>Whether an arm varies the selection strategy or the ablation.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<ArmKind>))]
internal enum ArmKind
{
    /// <summary>A name <c>--selection</c> takes.</summary>
    Strategy,

    /// <summary>A name <c>--baseline</c> takes.</summary>
    Baseline,
}

/// <summary>One arm of the grid.</summary>
/// <param name="Name">The name as given (the strategy or the baseline).</param>
/// <param name="Kind">What it varies.</param>
internal sealed record ExperimentArm(string Name, ArmKind Kind)
{
    /// <summary>The run folder of this arm's cell with <paramref name="seed"/>.</summary>
    public string RunName(ulong seed) => $"{Name}-seed{seed.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The settings of this arm: <paramref name="settings"/> with <c>--selection Name</c> (or <c>--baseline Name</c>)
    /// applied exactly as <c>run</c> applies it — the one place that knows which names exist.</summary>
    public RunSettings Apply(RunSettings settings, List<string> errors)
    {
        var options = new RunOptions();
        var command = new Command("arm");
        foreach (var option in options.All())
        {
            command.Options.Add(option);
        }

        var parse = command.Parse([Kind == ArmKind.Strategy ? "--selection" : "--baseline", Name]);
        if (parse.Errors.Count > 0)
        {
            errors.AddRange(parse.Errors.Select(e => e.Message));
            return settings;
        }

        return options.Apply(parse, settings, errors);
    }
}

/// <summary>What defines an experiment: the same grid gives the same hash, the same folder and the same table.</summary>
/// <param name="Domain">The domain.</param>
/// <param name="Arms">The arms, in order.</param>
/// <param name="Seeds">Seeds per arm (1..N).</param>
/// <param name="Generations">Attempts per run.</param>
/// <param name="Settings">Every other run setting, as a run manifest stores them.</param>
internal sealed record ExperimentGrid(string Domain, IReadOnlyList<ExperimentArm> Arms, int Seeds, int Generations, JsonElement Settings)
{
    /// <summary>12 hex digits of the SHA-256 of the grid's canonical text.</summary>
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        $"{Domain}\n{string.Join(',', Arms.Select(a => $"{a.Kind}:{a.Name}"))}\n{Seeds}\n{Generations}\n{JsonSerializer.Serialize(Settings)}")))[..12];

    /// <summary>One line: domain, arms, seeds, generations.</summary>
    public string Describe() =>
        $"domain {Domain}, arms {string.Join(',', Arms.Select(a => a.Name))}, {Seeds} seed(s), {Generations} generations";
}

/// <summary>The experiment folder's <c>experiment.json</c>.</summary>
/// <param name="Grid">The grid.</param>
/// <param name="Command">The command that made it (and resumes it).</param>
/// <param name="Created">When it was made.</param>
internal sealed record ExperimentManifest(ExperimentGrid Grid, string Command, DateTimeOffset Created);
