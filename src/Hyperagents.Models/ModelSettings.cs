using System.Globalization;

namespace Hyperagents.Models;

/// <summary>The model settings given on a command line, typed: what a run manifest stores so <c>resume</c>, <c>eval</c>,
/// <c>replay</c> and <c>status</c> rebuild the run's <see cref="ModelOptions"/>. A setting left <see langword="null"/>
/// was not given and keeps the default (or the config file's value); <see cref="Ensemble"/> members add up.</summary>
public sealed record ModelSettings
{
    /// <summary><c>--model</c>.</summary>
    public string? Model { get; init; }

    /// <summary><c>--endpoint</c>.</summary>
    public string? Endpoint { get; init; }

    /// <summary><c>--meta-model</c>.</summary>
    public string? MetaModel { get; init; }

    /// <summary><c>--task-model</c>.</summary>
    public string? TaskModel { get; init; }

    /// <summary><c>--ensemble</c>, every member given, in order.</summary>
    public IReadOnlyList<string>? Ensemble { get; init; }

    /// <summary><c>--ensemble-seed</c>.</summary>
    public int? EnsembleSeed { get; init; }

    /// <summary><c>--anthropic-endpoint</c>.</summary>
    public string? AnthropicEndpoint { get; init; }

    /// <summary><c>--api-key-env</c>.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary><c>--anthropic-api-key-env</c>.</summary>
    public string? AnthropicApiKeyEnv { get; init; }

    /// <summary><c>--temperature</c>.</summary>
    public double? Temperature { get; init; }

    /// <summary><c>--max-output-tokens</c>.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary><c>--stream</c>.</summary>
    public bool? Stream { get; init; }

    /// <summary><c>--model-concurrency</c>.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary><c>--model-retries</c>.</summary>
    public int? MaxRetries { get; init; }

    /// <summary><c>--model-attempt-timeout</c>, in seconds.</summary>
    public double? AttemptTimeoutSeconds { get; init; }

    /// <summary><c>--model-timeout</c>, in seconds.</summary>
    public double? CallTimeoutSeconds { get; init; }

    /// <summary><c>--token-budget</c>.</summary>
    public long? TokenBudget { get; init; }

    /// <summary><c>--money-budget</c>, in USD.</summary>
    public decimal? MoneyBudgetUsd { get; init; }

    /// <summary><c>--prices</c>, as given.</summary>
    public string? Prices { get; init; }

    /// <summary>The settings of command-line flags, applied in order (a later value wins; ensemble members add up).</summary>
    /// <param name="flags">(flag, value) pairs; flags from <see cref="ModelOptions.FlagNames"/>.</param>
    /// <exception cref="ModelConfigurationException">Every unknown flag or mistyped value, at once.</exception>
    public static ModelSettings FromFlags(IEnumerable<(string Flag, string Value)> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var settings = new ModelSettings();
        var errors = new List<string>();
        foreach (var (flag, value) in flags)
        {
            try
            {
                settings = settings.Then(FromFlag(flag, value));
            }
            catch (ModelConfigurationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }

        return errors.Count == 0 ? settings : throw new ModelConfigurationException(errors);
    }

    /// <summary>These settings, then <paramref name="later"/> over them: its values win, ensemble members add up.</summary>
    /// <param name="later">The settings given later (e.g. on <c>resume</c>).</param>
    public ModelSettings Then(ModelSettings later)
    {
        ArgumentNullException.ThrowIfNull(later);
        return new ModelSettings
        {
            Model = later.Model ?? Model,
            Endpoint = later.Endpoint ?? Endpoint,
            MetaModel = later.MetaModel ?? MetaModel,
            TaskModel = later.TaskModel ?? TaskModel,
            Ensemble = Ensemble is null ? later.Ensemble : later.Ensemble is null ? Ensemble : [.. Ensemble, .. later.Ensemble],
            EnsembleSeed = later.EnsembleSeed ?? EnsembleSeed,
            AnthropicEndpoint = later.AnthropicEndpoint ?? AnthropicEndpoint,
            ApiKeyEnv = later.ApiKeyEnv ?? ApiKeyEnv,
            AnthropicApiKeyEnv = later.AnthropicApiKeyEnv ?? AnthropicApiKeyEnv,
            Temperature = later.Temperature ?? Temperature,
            MaxOutputTokens = later.MaxOutputTokens ?? MaxOutputTokens,
            Stream = later.Stream ?? Stream,
            MaxConcurrency = later.MaxConcurrency ?? MaxConcurrency,
            MaxRetries = later.MaxRetries ?? MaxRetries,
            AttemptTimeoutSeconds = later.AttemptTimeoutSeconds ?? AttemptTimeoutSeconds,
            CallTimeoutSeconds = later.CallTimeoutSeconds ?? CallTimeoutSeconds,
            TokenBudget = later.TokenBudget ?? TokenBudget,
            MoneyBudgetUsd = later.MoneyBudgetUsd ?? MoneyBudgetUsd,
            Prices = later.Prices ?? Prices,
        };
    }

    /// <summary>The options with these settings applied over them (ensemble members appended).</summary>
    /// <param name="options">The options (defaults, a config file, the environment).</param>
    public ModelOptions ApplyTo(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            Model = Model ?? options.Model,
            Endpoint = Endpoint ?? options.Endpoint,
            MetaModel = MetaModel ?? options.MetaModel,
            TaskModel = TaskModel ?? options.TaskModel,
            Ensemble = Ensemble is null ? options.Ensemble : [.. options.Ensemble, .. Ensemble],
            EnsembleSeed = EnsembleSeed ?? options.EnsembleSeed,
            AnthropicEndpoint = AnthropicEndpoint ?? options.AnthropicEndpoint,
            ApiKeyEnv = ApiKeyEnv ?? options.ApiKeyEnv,
            AnthropicApiKeyEnv = AnthropicApiKeyEnv ?? options.AnthropicApiKeyEnv,
            Temperature = Temperature ?? options.Temperature,
            MaxOutputTokens = MaxOutputTokens ?? options.MaxOutputTokens,
            Stream = Stream ?? options.Stream,
            MaxConcurrency = MaxConcurrency ?? options.MaxConcurrency,
            MaxRetries = MaxRetries ?? options.MaxRetries,
            AttemptTimeout = AttemptTimeoutSeconds is { } attempt ? TimeSpan.FromSeconds(attempt) : options.AttemptTimeout,
            CallTimeout = CallTimeoutSeconds is { } call ? TimeSpan.FromSeconds(call) : options.CallTimeout,
            TokenBudget = TokenBudget ?? options.TokenBudget,
            MoneyBudgetUsd = MoneyBudgetUsd ?? options.MoneyBudgetUsd,
            Prices = Prices ?? options.Prices,
        };
    }

    /// <summary>These settings as the command-line flags that give them, in <see cref="ModelOptions.FlagNames"/> order.</summary>
    public IReadOnlyList<(string Flag, string Value)> ToFlags()
    {
        var flags = new List<(string, string)>();
        void Add(string flag, object? value)
        {
            if (value is not null)
            {
                flags.Add((flag, Convert.ToString(value, CultureInfo.InvariantCulture)!));
            }
        }

        Add("--model", Model);
        Add("--endpoint", Endpoint);
        Add("--meta-model", MetaModel);
        Add("--task-model", TaskModel);
        foreach (var member in Ensemble ?? [])
        {
            Add("--ensemble", member);
        }

        Add("--ensemble-seed", EnsembleSeed);
        Add("--anthropic-endpoint", AnthropicEndpoint);
        Add("--api-key-env", ApiKeyEnv);
        Add("--anthropic-api-key-env", AnthropicApiKeyEnv);
        Add("--temperature", Temperature);
        Add("--max-output-tokens", MaxOutputTokens);
        Add("--stream", Stream is { } stream ? (stream ? "true" : "false") : null);
        Add("--model-concurrency", MaxConcurrency);
        Add("--model-retries", MaxRetries);
        Add("--model-attempt-timeout", AttemptTimeoutSeconds);
        Add("--model-timeout", CallTimeoutSeconds);
        Add("--token-budget", TokenBudget);
        Add("--money-budget", MoneyBudgetUsd);
        Add("--prices", Prices);
        return flags;
    }

    /// <summary>The setting of one command-line flag.</summary>
    /// <param name="flag">A name from <see cref="ModelOptions.FlagNames"/>.</param>
    /// <param name="value">The value as typed; durations in seconds; <c>--stream</c> takes true/false.</param>
    /// <exception cref="ModelConfigurationException">Unknown flag, or a value of the wrong type.</exception>
    public static ModelSettings FromFlag(string flag, string value)
    {
        ArgumentNullException.ThrowIfNull(flag);
        value = value?.Trim() ?? string.Empty;
        return flag switch
        {
            "--model" => new() { Model = value },
            "--endpoint" => new() { Endpoint = value },
            "--meta-model" => new() { MetaModel = value },
            "--task-model" => new() { TaskModel = value },
            "--ensemble" => new() { Ensemble = [value] },
            "--ensemble-seed" => new() { EnsembleSeed = (int)Number(flag, value, int.MinValue, int.MaxValue) },
            "--anthropic-endpoint" => new() { AnthropicEndpoint = value },
            "--api-key-env" => new() { ApiKeyEnv = value },
            "--anthropic-api-key-env" => new() { AnthropicApiKeyEnv = value },
            "--temperature" => new() { Temperature = (double)Number(flag, value, 0, 2) },
            "--max-output-tokens" => new() { MaxOutputTokens = (int)Number(flag, value, 1, 1_000_000) },
            "--stream" => new() { Stream = bool.TryParse(value, out var stream) ? stream : throw Bad(flag, value, "true or false") },
            "--model-concurrency" => new() { MaxConcurrency = (int)Number(flag, value, 1, 256) },
            "--model-retries" => new() { MaxRetries = (int)Number(flag, value, 0, 20) },
            "--model-attempt-timeout" => new() { AttemptTimeoutSeconds = (double)Number(flag, value, 0.001m, 86_400) },
            "--model-timeout" => new() { CallTimeoutSeconds = (double)Number(flag, value, 0.001m, 86_400) },
            "--token-budget" => new() { TokenBudget = (long)Number(flag, value, 1, long.MaxValue) },
            "--money-budget" => new() { MoneyBudgetUsd = Number(flag, value, 0.000001m, 1_000_000_000m) },
            "--prices" => new() { Prices = value },
            _ => throw new ModelConfigurationException([$"'{flag}' is not a model flag; the model flags are {string.Join(", ", ModelOptions.FlagNames)}."]),
        };
    }

    private static decimal Number(string flag, string value, decimal min, decimal max) =>
        decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw Bad(flag, value, $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");

    private static ModelConfigurationException Bad(string flag, string value, string expected) =>
        new([$"{flag} '{value}' is not valid; write {expected}."]);
}
