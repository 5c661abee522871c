using System.CommandLine;
using System.Globalization;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Models;

namespace Hyperagents.Cli.Runs;

/// <summary>The options of <c>run</c> and <c>resume</c>, and how they become <see cref="RunSettings"/> and <see cref="ModelOptions"/>.</summary>
internal sealed class RunOptions
{
    public Option<string?> Domain { get; } = new("--domain") { Description = "The domain: circle-packing, heilbronn-triangle, kissing-number, first-autocorrelation, coding, dataset, or a domain package folder (see docs/domains.md)." };
    public Option<int?> Generations { get; } = new("--generations") { Description = "Children to attempt in total (default 10)." };
    public Option<int?> Parallel { get; } = new("--parallel") { Description = "Children produced at once (default 1)." };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "The run's random seed (default 1)." };
    public Option<string?> Selection { get; } = new("--selection") { Description = $"Parent selection: {string.Join(", ", SelectionStrategies.Names)} (default {SelectionStrategies.Default}; see docs/search.md)." };
    public Option<int?> Islands { get; } = new("--islands") { Description = $"Islands of --selection islands (default {SearchOptions.DefaultIslands})." };
    public Option<int?> MigrationInterval { get; } = new("--migration-interval") { Description = $"Island generations between migrations of --selection islands (default {SearchOptions.DefaultMigrationInterval})." };
    public Option<double?> Novelty { get; } = new("--novelty") { Description = "Refuse a child whose changed code has at least this token similarity (0-1] with an archived variant (default off)." };
    public Option<bool> ShareBest { get; } = new("--share-best") { Description = "Let task agents read the best archived answer of a train task (context.SharedBestAsync(); never val or test); audit flags the variants that used it." };
    public Option<bool> ModelBandit { get; } = new("--model-bandit") { Description = "Choose each attempt's meta model by UCB1 over the ensemble, rewarded by child improvement (inert offline)." };
    public Option<string?> Baseline { get; } = new("--baseline") { Description = "Ablation: no-selfimprove (frozen seed meta agent) or no-archive (always the latest variant)." };
    public Option<string?> Isolation { get; } = new("--isolation") { Description = "Where agent code runs: sandbox (default, Wasmtime), contained (native workers under bubblewrap, seccomp and cgroups; Linux) or native (worker processes; not a sandbox)." };
    public Option<string?> Runtime { get; } = new("--runtime") { Description = "With --isolation contained: bubblewrap (default) or runsc (the same workers under gVisor's user-space kernel; recorded as contained-runsc)." };
    public Option<bool> EvalTest { get; } = new("--eval-test") { Description = "Also evaluate every fully evaluated child on the held-out test split." };
    public Option<int?> Replicates { get; } = new("--replicates") { Description = $"Times each task is evaluated, each with its own seed; scores are means with standard errors (default {RunSettings.DefaultReplicates})." };
    public Option<int?> Tasks { get; } = new("--tasks") { Description = "At most this many tasks of each split, the first in the domain's order (default all)." };
    public Option<int?> StagedTasks { get; } = new("--staged-tasks") { Description = "Training tasks of the staged evaluation (default 1)." };
    public Option<double?> StagedGate { get; } = new("--staged-gate") { Description = "Staged score a child must exceed to be fully evaluated (default 0)." };
    public Option<double?> MinImprovement { get; } = new("--min-improvement") { Description = "Normalised score a child must beat the best by, after the exact re-check, to become the best (default 0: any gain beyond noise)." };
    public Option<double?> TimeBudget { get; } = new("--time-budget") { Description = "Wall-clock budget in minutes; the run stops cleanly when it is spent and can be resumed." };
    public Option<double?> TaskTimeout { get; } = new("--task-timeout") { Description = "Seconds one SolveTask may take (default 60)." };
    public Option<double?> MetaTimeout { get; } = new("--meta-timeout") { Description = "Seconds one ModifySelf may take (default 300)." };
    public Option<double?> CompileTimeout { get; } = CompileTimeoutOption();
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "The JSONL file of the dataset domain." };
    public Option<string?> ModelConfig { get; } = new("--model-config") { Description = "A JSON file of model settings (never keys; keys come from the environment)." };
    public List<(string Flag, Option Option)> ModelFlags { get; } = [];

    public RunOptions()
    {
        foreach (var flag in ModelOptions.FlagNames)
        {
            Option option = flag == "--ensemble"
                ? new Option<string[]>(flag) { Description = "A weighted model <provider>:<model-id>:<weight>; repeat for each member." }
                : new Option<string?>(flag) { Description = ModelFlagHelp(flag) };
            ModelFlags.Add((flag, option));
        }
    }

    public IEnumerable<Option> All()
    {
        yield return Domain;
        yield return Generations;
        yield return Parallel;
        yield return Seed;
        yield return Selection;
        yield return Islands;
        yield return MigrationInterval;
        yield return Novelty;
        yield return ModelBandit;
        yield return ShareBest;
        yield return Baseline;
        yield return Isolation;
        yield return Runtime;
        yield return EvalTest;
        yield return Replicates;
        yield return Tasks;
        yield return StagedTasks;
        yield return StagedGate;
        yield return MinImprovement;
        yield return TimeBudget;
        yield return TaskTimeout;
        yield return MetaTimeout;
        yield return CompileTimeout;
        yield return Dataset;
        yield return ModelConfig;
        foreach (var (_, option) in ModelFlags)
        {
            yield return option;
        }
    }

    /// <summary>Applies what was given on the command line over <paramref name="settings"/>; unknown values are errors.</summary>
    public RunSettings Apply(ParseResult parse, RunSettings settings, List<string> errors)
    {
        if (parse.GetValue(Domain) is { } domain)
        {
            // A package folder is kept as a full path: the run's settings (shown by status) say where the package came from.
            settings = settings with { Domain = Hyperagents.Domains.DomainPackage.LooksLikePath(domain) ? Path.GetFullPath(domain) : domain };
        }

        if (parse.GetValue(Generations) is { } generations)
        {
            settings = settings with { Generations = generations };
        }

        if (parse.GetValue(Parallel) is { } parallel)
        {
            settings = settings with { Parallel = parallel };
        }

        if (parse.GetValue(Seed) is { } seed)
        {
            settings = settings with { Seed = seed };
        }

        if (parse.GetValue(Selection) is { } selection)
        {
            if (SelectionStrategies.TryNormalize(selection, out var strategy))
            {
                settings = settings with { Selection = strategy };
            }
            else
            {
                errors.Add(SelectionStrategies.Unknown(selection));
            }
        }

        if (parse.GetValue(Islands) is { } islands)
        {
            settings = settings with { Islands = islands };
        }

        if (parse.GetValue(MigrationInterval) is { } interval)
        {
            settings = settings with { MigrationInterval = interval };
        }

        if (parse.GetValue(Novelty) is { } novelty)
        {
            settings = settings with { Novelty = novelty };
        }

        if (parse.GetValue(ModelBandit))
        {
            settings = settings with { ModelBandit = true };
        }

        if (parse.GetValue(ShareBest))
        {
            settings = settings with { ShareBest = true };
        }

        if (parse.GetValue(Baseline) is { } baseline)
        {
            settings = ParseEnum<Engine.Baseline>(baseline, "--baseline", "none, no-selfimprove, no-archive", errors) is { } value
                ? settings with { Baseline = value }
                : settings;
        }

        if (parse.GetValue(Isolation) is { } isolation || parse.GetValue(Runtime) is not null)
        {
            if (Runners.Resolve(parse.GetValue(Isolation) ?? settings.Isolation, parse.GetValue(Runtime), out var error) is { } runner)
            {
                settings = settings with { Isolation = runner };
            }
            else
            {
                errors.Add(error!);
            }
        }

        if (parse.GetValue(EvalTest))
        {
            settings = settings with { EvalTest = true };
        }

        if (parse.GetValue(Replicates) is { } replicates)
        {
            settings = settings with { Replicates = replicates };
        }

        if (parse.GetValue(Tasks) is { } perSplit)
        {
            settings = settings with { TasksPerSplit = perSplit };
        }

        if (parse.GetValue(StagedTasks) is { } staged)
        {
            settings = settings with { StagedTasks = staged };
        }

        if (parse.GetValue(StagedGate) is { } gate)
        {
            settings = settings with { StagedGate = gate };
        }

        if (parse.GetValue(MinImprovement) is { } minImprovement)
        {
            settings = settings with { MinImprovement = minImprovement };
        }

        if (parse.GetValue(TimeBudget) is { } minutes)
        {
            settings = settings with { WallClockBudget = minutes > 0 ? TimeSpan.FromMinutes(minutes) : TimeSpan.Zero };
        }

        if (parse.GetValue(TaskTimeout) is { } taskSeconds)
        {
            settings = settings with { TaskLimits = settings.TaskLimits with { WallClock = Seconds(taskSeconds) } };
        }

        if (parse.GetValue(MetaTimeout) is { } metaSeconds)
        {
            settings = settings with { MetaLimits = settings.MetaLimits with { WallClock = Seconds(metaSeconds) } };
        }

        if (parse.GetValue(CompileTimeout) is { } compileSeconds)
        {
            settings = settings with { CompileTimeout = Seconds(compileSeconds) };
        }

        if (parse.GetValue(Dataset) is { } dataset)
        {
            settings = settings with { DatasetPath = Path.GetFullPath(dataset) };
        }

        return settings;
    }

    /// <summary>The model settings given on the command line (flags in order); errors are collected.</summary>
    public ModelSettings GivenModelSettings(ParseResult parse, List<string> errors)
    {
        var given = new List<(string, string)>();
        foreach (var (flag, option) in ModelFlags)
        {
            switch (option)
            {
                case Option<string[]> many:
                    given.AddRange((parse.GetValue(many) ?? []).Select(v => (flag, v)));
                    break;
                case Option<string?> one when parse.GetValue(one) is { } value:
                    given.Add((flag, value));
                    break;
            }
        }

        try
        {
            return ModelSettings.FromFlags(given);
        }
        catch (ModelConfigurationException ex)
        {
            errors.AddRange(ex.Errors);
            return new ModelSettings();
        }
    }

    /// <summary>Builds model options from a config file and the given settings; errors are collected.</summary>
    public static ModelOptions Models(string? configPath, ModelSettings settings, List<string> errors)
    {
        try
        {
            var options = settings.ApplyTo(ModelOptions.Load(configPath));

            if (options.HasAnyModel)
            {
                errors.AddRange(options.GetErrors());
            }

            return options;
        }
        catch (ModelConfigurationException ex)
        {
            errors.AddRange(ex.Errors);
            return new ModelOptions();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            errors.Add($"--model-config: {ex.Message}");
            return new ModelOptions();
        }
    }

    /// <summary>The <c>--compile-timeout</c> option, shared by every command that compiles agent code or answers.</summary>
    public static Option<double?> CompileTimeoutOption() => new("--compile-timeout")
    {
        Description = "Seconds of CPU time one compile of agent code may use (default 60). CPU time, so a busy machine does not fail good code.",
    };

    private static TimeSpan Seconds(double seconds) => seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;

    private static T? ParseEnum<T>(string text, string flag, string valid, List<string> errors)
        where T : struct, Enum
    {
        var normalised = text.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        if (Enum.TryParse<T>(normalised, ignoreCase: true, out var value) && Enum.IsDefined(value))
        {
            return value;
        }

        errors.Add($"{flag} '{text}' is not one of: {valid}.");
        return null;
    }

    private static string ModelFlagHelp(string flag) => flag switch
    {
        "--model" => "The model of both roles, <provider>:<model-id> with provider openai or anthropic (default: none, the offline engine).",
        "--endpoint" => "Base URL of an OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter, Azure).",
        "--meta-model" => "The model of the meta role (ModifySelf), <provider>:<model-id>.",
        "--task-model" => "The model of the task role (SolveTask), <provider>:<model-id>.",
        "--token-budget" => "Equivalent-token budget of the run (T_out + 0.25·T_in); the run stops cleanly when spent.",
        "--money-budget" => "Money budget of the run in USD, from the price table; the run stops cleanly when spent.",
        _ => $"Model setting {flag[2..]} (see docs/models.md).",
    };

    public static string Invariant(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
