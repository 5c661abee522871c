using System.Globalization;
using Hyperagents.Hosting;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hyperagents.Models;

/// <summary>How the host reaches language models: which model answers each role, where, with what resilience and
/// within which budgets. Each property maps 1:1 to a command-line flag (named in its docs).</summary>
/// <remarks>
/// <para>Sources, lowest precedence first: a config file (<see cref="Load"/>), the environment
/// (<c>HYPERAGENTS_MODEL</c>, <c>HYPERAGENTS_META_MODEL</c>, <c>HYPERAGENTS_TASK_MODEL</c>, <c>HYPERAGENTS_ENDPOINT</c>),
/// then command-line flags, which the CLI applies with <c>with { ... }</c>.</para>
/// <para>API keys are never options: they are read only from <c>OPENAI_API_KEY</c> / <c>ANTHROPIC_API_KEY</c>, or
/// from the environment variable a config names in <see cref="ApiKeyEnv"/> / <see cref="AnthropicApiKeyEnv"/>.
/// A config file holding a key is refused. A loopback endpoint may run without a key.</para>
/// <para>Per role, the model is <see cref="MetaModel"/> / <see cref="TaskModel"/> when set, else the
/// <see cref="Ensemble"/> when it has entries, else <see cref="Model"/>; a role with none has no model
/// (agents are refused with <c>no-model</c> and the seed meta agent falls back to the offline mutation toolkit).</para>
/// </remarks>
public sealed record ModelOptions : IValidatedOptions
{
    /// <summary>The environment variable holding the OpenAI key by default.</summary>
    public const string OpenAiKeyVariable = "OPENAI_API_KEY";

    /// <summary>The environment variable holding the Anthropic key by default.</summary>
    public const string AnthropicKeyVariable = "ANTHROPIC_API_KEY";

    /// <summary>The base URL used for <c>openai:</c> models when <see cref="Endpoint"/> is not set.</summary>
    public const string OpenAiDefaultEndpoint = "https://api.openai.com/v1";

    /// <summary>The model of both roles unless overridden: <c>--model &lt;provider&gt;:&lt;model-id&gt;</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Base URL of an OpenAI-compatible server for <c>openai:</c> models: <c>--endpoint &lt;base-url&gt;</c>,
    /// e.g. <c>http://127.0.0.1:11434/v1</c> for Ollama.</summary>
    /// <value>Default <see langword="null"/>: <see cref="OpenAiDefaultEndpoint"/>.</value>
    public string? Endpoint { get; init; }

    /// <summary>The model of the meta role (<c>ModifySelf</c>): <c>--meta-model</c>.</summary>
    public string? MetaModel { get; init; }

    /// <summary>The model of the task role (<c>SolveTask</c>): <c>--task-model</c>.</summary>
    public string? TaskModel { get; init; }

    /// <summary>A weighted ensemble, <c>--ensemble &lt;provider&gt;:&lt;model-id&gt;:&lt;weight&gt;</c> (repeatable);
    /// each call picks one member by a seeded draw. Used by a role with no explicit model.</summary>
    /// <value>Default empty.</value>
    public IReadOnlyList<string> Ensemble { get; init; } = [];

    /// <summary>Seed of the ensemble draws: <c>--ensemble-seed</c>.</summary>
    /// <value>Default 0.</value>
    public int EnsembleSeed { get; init; }

    /// <summary>Base URL for <c>anthropic:</c> models (a proxy or gateway): <c>--anthropic-endpoint</c>.</summary>
    /// <value>Default <see langword="null"/>: the Anthropic API.</value>
    public string? AnthropicEndpoint { get; init; }

    /// <summary>The environment variable holding the key for <c>openai:</c> models, e.g. <c>OPENROUTER_API_KEY</c>:
    /// <c>--api-key-env</c>. The name only; never the key.</summary>
    /// <value>Default <see langword="null"/>: <see cref="OpenAiKeyVariable"/>.</value>
    public string? ApiKeyEnv { get; init; }

    /// <summary>The environment variable holding the key for <c>anthropic:</c> models: <c>--anthropic-api-key-env</c>.</summary>
    /// <value>Default <see langword="null"/>: <see cref="AnthropicKeyVariable"/>.</value>
    public string? AnthropicApiKeyEnv { get; init; }

    /// <summary>Sampling temperature when a request names none: <c>--temperature</c>.</summary>
    /// <value>Default 0; between 0 and 2.</value>
    public double Temperature { get; init; }

    /// <summary>Cap on a reply's tokens when a request names none: <c>--max-output-tokens</c>.</summary>
    /// <value>Default 4,096; between 1 and 1,000,000.</value>
    public int MaxOutputTokens { get; init; } = 4096;

    /// <summary>Whether replies are streamed (server-sent events) and assembled: <c>--stream</c>.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool Stream { get; init; }

    /// <summary>Model calls in flight at once across the run: <c>--model-concurrency</c>.</summary>
    /// <value>Default 4; between 1 and 256.</value>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>Retries of one call on 408, 429, 5xx, connection failures and attempt timeouts: <c>--model-retries</c>.</summary>
    /// <value>Default 4; between 0 and 20.</value>
    public int MaxRetries { get; init; } = 4;

    /// <summary>The first retry delay; later ones grow exponentially, with jitter. A <c>retry-after</c> header wins.</summary>
    /// <value>Default 2 s.</value>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait before a retry, <c>retry-after</c> included.</summary>
    /// <value>Default 60 s.</value>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Deadline of one HTTP attempt (for a streamed reply: until its headers arrive): <c>--model-attempt-timeout</c>.</summary>
    /// <value>Default 120 s.</value>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Deadline of one call, retries and the streamed body included: <c>--model-timeout</c>.</summary>
    /// <value>Default 600 s; at least <see cref="AttemptTimeout"/>.</value>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Budget of equivalent tokens (T_out + 0.25·T_in) for the run: <c>--token-budget</c>.</summary>
    /// <value>Default <see langword="null"/>: unlimited.</value>
    public long? TokenBudget { get; init; }

    /// <summary>Budget in US dollars for the run, priced by the price table: <c>--money-budget</c>.</summary>
    /// <value>Default <see langword="null"/>: unlimited.</value>
    public decimal? MoneyBudgetUsd { get; init; }

    /// <summary>A price-table JSON file whose entries override and extend the shipped table: <c>--prices</c>.</summary>
    public string? Prices { get; init; }

    /// <summary>Reads environment variables (keys and the <c>HYPERAGENTS_*</c> variables); replaceable for tests.</summary>
    /// <value>Default <see cref="System.Environment.GetEnvironmentVariable(string)"/>.</value>
    [JsonIgnore]
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Whether any role has a model.</summary>
    public bool HasAnyModel =>
        !string.IsNullOrWhiteSpace(Model) || !string.IsNullOrWhiteSpace(MetaModel) || !string.IsNullOrWhiteSpace(TaskModel) || Ensemble.Count > 0;

    /// <summary>Reads a config file (optional) and the environment into options.</summary>
    /// <param name="configPath">A JSON file with the options in camelCase, at its root or under <c>"models"</c>;
    /// durations in seconds (<c>attemptTimeoutSeconds</c>, …). <see langword="null"/> for none.</param>
    /// <param name="environment">Reads environment variables; <see langword="null"/> for the process environment.</param>
    /// <exception cref="ModelConfigurationException">The file is missing, not valid JSON, has an unknown setting, or
    /// holds an API key.</exception>
    public static ModelOptions Load(string? configPath, Func<string, string?>? environment = null)
    {
        var env = environment ?? System.Environment.GetEnvironmentVariable;
        var options = configPath is null ? new ModelOptions() : ReadConfig(configPath);
        options = options with { Environment = env };
        return options with
        {
            Model = NonEmpty(env("HYPERAGENTS_MODEL")) ?? options.Model,
            MetaModel = NonEmpty(env("HYPERAGENTS_META_MODEL")) ?? options.MetaModel,
            TaskModel = NonEmpty(env("HYPERAGENTS_TASK_MODEL")) ?? options.TaskModel,
            Endpoint = NonEmpty(env("HYPERAGENTS_ENDPOINT")) ?? options.Endpoint,
        };
    }

    /// <summary>The command-line flags <see cref="WithFlag"/> understands, each mapped to one property.</summary>
    public static IReadOnlyList<string> FlagNames { get; } =
    [
        "--model", "--endpoint", "--meta-model", "--task-model", "--ensemble", "--ensemble-seed", "--anthropic-endpoint",
        "--api-key-env", "--anthropic-api-key-env", "--temperature", "--max-output-tokens", "--stream", "--model-concurrency",
        "--model-retries", "--model-attempt-timeout", "--model-timeout", "--token-budget", "--money-budget", "--prices",
    ];

    /// <summary>Applies one command-line flag, so the CLI and these options share one list of names.</summary>
    /// <param name="flag">A name from <see cref="FlagNames"/>; <c>--ensemble</c> adds an entry each time.</param>
    /// <param name="value">The flag's value as typed; durations in seconds; <c>--stream</c> takes true/false.</param>
    /// <returns>The options with the flag applied. Specs are checked by <see cref="Validate"/>, not here.</returns>
    /// <exception cref="ModelConfigurationException">Unknown flag, or a value of the wrong type.</exception>
    public ModelOptions WithFlag(string flag, string value) => ModelSettings.FromFlag(flag, value).ApplyTo(this);

    /// <inheritdoc/>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        var used = new List<(string Flag, ModelSpec Spec)>();

        void Spec(string flag, string? text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return;
            }

            if (ModelSpec.TryParse(text, out var spec, out var error))
            {
                used.Add(($"{flag} {spec}", spec));
            }
            else
            {
                errors.Add($"{flag}: {error}");
            }
        }

        Spec("--model", Model);
        Spec("--meta-model", MetaModel);
        Spec("--task-model", TaskModel);
        foreach (var entry in Ensemble)
        {
            if (WeightedModel.TryParse(entry, out var weighted, out var error))
            {
                used.Add(($"--ensemble {entry.Trim()}", weighted.Spec));
            }
            else
            {
                errors.Add($"--ensemble: {error}");
            }
        }

        var openAiEndpoint = CheckEndpoint("--endpoint", Endpoint, errors);
        var anthropicEndpoint = CheckEndpoint("--anthropic-endpoint", AnthropicEndpoint, errors);
        CheckVariableName("--api-key-env", ApiKeyEnv, errors);
        CheckVariableName("--anthropic-api-key-env", AnthropicApiKeyEnv, errors);

        if (Endpoint is not null && used.Count > 0 && used.All(u => u.Spec.Provider == ModelProvider.Anthropic))
        {
            errors.Add("--endpoint applies to openai: models (OpenAI-compatible servers) but only anthropic: models are configured; use --anthropic-endpoint for an Anthropic gateway, or write the model as openai:<model-id>.");
        }

        var reported = new HashSet<ModelProvider>();
        foreach (var (flag, spec) in used)
        {
            if (spec.Provider == ModelProvider.OpenAI && openAiEndpoint is { IsLoopback: false } && ReadKey(ModelProvider.OpenAI) is null && reported.Add(spec.Provider))
            {
                var variable = ApiKeyEnv ?? OpenAiKeyVariable;
                errors.Add(Endpoint is null
                    ? $"{flag} needs {variable}; set it, or use --endpoint http://127.0.0.1:11434/v1 for a local server."
                    : $"{flag} with --endpoint {Endpoint} needs {variable}; set it (or name the variable holding the key with --api-key-env), or point --endpoint at a local server such as http://127.0.0.1:11434/v1.");
            }

            if (spec.Provider == ModelProvider.Anthropic && anthropicEndpoint is not { IsLoopback: true } && ReadKey(ModelProvider.Anthropic) is null && reported.Add(spec.Provider))
            {
                errors.Add($"{flag} needs {AnthropicApiKeyEnv ?? AnthropicKeyVariable}; set it to your Anthropic API key, or use an openai: model with --endpoint for a local server.");
            }
        }

        if (Temperature is < 0 or > 2 || double.IsNaN(Temperature))
        {
            errors.Add($"--temperature {Temperature.ToString(CultureInfo.InvariantCulture)} is out of range; use a value from 0 to 2.");
        }

        if (MaxOutputTokens is < 1 or > 1_000_000)
        {
            errors.Add($"--max-output-tokens {MaxOutputTokens} is out of range; use 1 to 1000000.");
        }

        if (MaxConcurrency is < 1 or > 256)
        {
            errors.Add($"--model-concurrency {MaxConcurrency} is out of range; use 1 to 256.");
        }

        if (MaxRetries is < 0 or > 20)
        {
            errors.Add($"--model-retries {MaxRetries} is out of range; use 0 to 20.");
        }

        if (RetryBaseDelay <= TimeSpan.Zero || MaxRetryDelay < RetryBaseDelay)
        {
            errors.Add($"The retry delays ({RetryBaseDelay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s base, {MaxRetryDelay.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s max) must be positive with the maximum at least the base.");
        }

        if (AttemptTimeout <= TimeSpan.Zero || CallTimeout < AttemptTimeout)
        {
            errors.Add($"--model-attempt-timeout ({AttemptTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s) must be positive and at most --model-timeout ({CallTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s).");
        }

        if (TokenBudget is <= 0)
        {
            errors.Add($"--token-budget {TokenBudget} must be positive; omit it for no token budget.");
        }

        if (MoneyBudgetUsd is <= 0)
        {
            errors.Add($"--money-budget {MoneyBudgetUsd?.ToString(CultureInfo.InvariantCulture)} must be positive; omit it for no money budget.");
        }

        PriceTable? prices = null;
        try
        {
            prices = PriceTable.LoadWithOverrides(Prices);
        }
        catch (ModelConfigurationException ex)
        {
            errors.Add(ex.Message);
        }

        if (MoneyBudgetUsd is not null && prices is not null)
        {
            foreach (var spec in used.Select(u => u.Spec).Distinct())
            {
                var local = spec.Provider == ModelProvider.OpenAI ? openAiEndpoint?.IsLoopback == true : anthropicEndpoint?.IsLoopback == true;
                if (!local && prices.Find(spec.ModelId) is null)
                {
                    errors.Add($"--money-budget needs a price for {spec}, and the price table has none; add \"{spec.ModelId}\": {{ \"input\": <usd per million>, \"output\": <usd per million> }} under \"models\" in a JSON file and pass it with --prices.");
                }
            }
        }

        return errors;
    }

    /// <summary>Checks every option at once and throws one aggregated error.</summary>
    /// <exception cref="ModelConfigurationException">Some option is invalid; the message lists each problem and its fix.</exception>
    public void Validate()
    {
        var errors = GetErrors();
        if (errors.Count > 0)
        {
            throw new ModelConfigurationException(errors);
        }
    }

    /// <summary>The models of a role, as weighted members (one member of weight 1 unless an ensemble).</summary>
    /// <param name="role">The role.</param>
    /// <returns>The members; empty when the role has no model.</returns>
    /// <exception cref="FormatException">A spec is malformed; call <see cref="Validate"/> first.</exception>
    public IReadOnlyList<WeightedModel> ModelsFor(ChatRole role)
    {
        var explicitSpec = role == ChatRole.Meta ? MetaModel : TaskModel;
        if (!string.IsNullOrWhiteSpace(explicitSpec))
        {
            return [new WeightedModel(ModelSpec.Parse(explicitSpec), 1)];
        }

        if (Ensemble.Count > 0)
        {
            return [.. Ensemble.Select(WeightedModel.Parse)];
        }

        return string.IsNullOrWhiteSpace(Model) ? [] : [new WeightedModel(ModelSpec.Parse(Model), 1)];
    }

    /// <summary>The base URL of a provider's API.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The URL, or <see langword="null"/> for the Anthropic SDK's default.</returns>
    public Uri? EndpointFor(ModelProvider provider) => provider == ModelProvider.OpenAI
        ? new Uri(Endpoint ?? OpenAiDefaultEndpoint, UriKind.Absolute)
        : AnthropicEndpoint is null ? null : new Uri(AnthropicEndpoint, UriKind.Absolute);

    /// <summary>The name of the environment variable that holds a provider's key.</summary>
    /// <param name="provider">The provider.</param>
    public string KeyVariableFor(ModelProvider provider) =>
        provider == ModelProvider.OpenAI ? ApiKeyEnv ?? OpenAiKeyVariable : AnthropicApiKeyEnv ?? AnthropicKeyVariable;

    internal string? ReadKey(ModelProvider provider) => NonEmpty(Environment(KeyVariableFor(provider)));

    private static Uri? CheckEndpoint(string flag, string? text, List<string> errors)
    {
        if (text is null)
        {
            return flag == "--endpoint" ? new Uri(OpenAiDefaultEndpoint) : null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{flag} '{text}' is not an http(s) URL; write the server's base URL, e.g. http://127.0.0.1:11434/v1.");
            return null;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query))
        {
            errors.Add($"{flag} must not carry credentials or a query string; keys come only from environment variables.");
            return null;
        }

        return uri;
    }

    private static void CheckVariableName(string flag, string? name, List<string> errors)
    {
        if (name is not null && (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            errors.Add($"{flag} takes the NAME of an environment variable (letters, digits, _), e.g. OPENROUTER_API_KEY, never the key itself.");
        }
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static ModelOptions ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelConfigurationException([$"The config file '{path}' does not exist; check the path or omit it."]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new ModelConfigurationException([$"The config file '{path}' is not valid JSON (line {ex.LineNumber + 1}); fix it or omit it."]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("models", out var section))
            {
                root = section;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelConfigurationException([$"The config file '{path}' must hold a JSON object (optionally under \"models\")."]);
            }

            var errors = new List<string>();
            foreach (var property in root.EnumerateObject())
            {
                var name = property.Name.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
                if (name.Contains("apikey", StringComparison.OrdinalIgnoreCase) && !name.EndsWith("env", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("key", StringComparison.OrdinalIgnoreCase) || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
                    || name.Contains("token", StringComparison.OrdinalIgnoreCase) && !name.Contains("budget", StringComparison.OrdinalIgnoreCase) && !name.Contains("output", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"The config file '{path}' has the setting \"{property.Name}\", which looks like a credential; keys are read only from environment variables ({OpenAiKeyVariable}, {AnthropicKeyVariable}, or the variable named by \"apiKeyEnv\"). Remove it from the file.");
                }
            }

            if (errors.Count > 0)
            {
                throw new ModelConfigurationException(errors);
            }

            ConfigFile? config;
            try
            {
                config = root.Deserialize(ModelJson.Default.ConfigFile);
            }
            catch (JsonException ex)
            {
                throw new ModelConfigurationException([$"The config file '{path}' has an unknown or mistyped setting ({ex.Message.Split('.')[0]}); the settings are: {string.Join(", ", ConfigFile.SettingNames)}."]);
            }

            if (config is null)
            {
                return new ModelOptions();
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
            var defaults = new ModelOptions();
            return defaults with
            {
                Model = config.Model,
                Endpoint = config.Endpoint,
                MetaModel = config.MetaModel,
                TaskModel = config.TaskModel,
                Ensemble = config.Ensemble ?? [],
                EnsembleSeed = config.EnsembleSeed ?? 0,
                AnthropicEndpoint = config.AnthropicEndpoint,
                ApiKeyEnv = config.ApiKeyEnv,
                AnthropicApiKeyEnv = config.AnthropicApiKeyEnv,
                Temperature = config.Temperature ?? defaults.Temperature,
                MaxOutputTokens = config.MaxOutputTokens ?? defaults.MaxOutputTokens,
                Stream = config.Stream ?? defaults.Stream,
                MaxConcurrency = config.MaxConcurrency ?? defaults.MaxConcurrency,
                MaxRetries = config.MaxRetries ?? defaults.MaxRetries,
                RetryBaseDelay = Seconds(config.RetryBaseDelaySeconds) ?? defaults.RetryBaseDelay,
                MaxRetryDelay = Seconds(config.MaxRetryDelaySeconds) ?? defaults.MaxRetryDelay,
                AttemptTimeout = Seconds(config.AttemptTimeoutSeconds) ?? defaults.AttemptTimeout,
                CallTimeout = Seconds(config.CallTimeoutSeconds) ?? defaults.CallTimeout,
                TokenBudget = config.TokenBudget,
                MoneyBudgetUsd = config.MoneyBudgetUsd,
                Prices = config.Prices is null ? null : Path.GetFullPath(config.Prices, folder),
            };
        }
    }

    private static TimeSpan? Seconds(double? seconds) => seconds is null ? null : TimeSpan.FromSeconds(seconds.Value);

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record ConfigFile(
        string? Model,
        string? Endpoint,
        string? MetaModel,
        string? TaskModel,
        IReadOnlyList<string>? Ensemble,
        int? EnsembleSeed,
        string? AnthropicEndpoint,
        string? ApiKeyEnv,
        string? AnthropicApiKeyEnv,
        double? Temperature,
        int? MaxOutputTokens,
        bool? Stream,
        int? MaxConcurrency,
        int? MaxRetries,
        double? RetryBaseDelaySeconds,
        double? MaxRetryDelaySeconds,
        double? AttemptTimeoutSeconds,
        double? CallTimeoutSeconds,
        long? TokenBudget,
        decimal? MoneyBudgetUsd,
        string? Prices)
    {
        public static readonly string[] SettingNames =
        [
            "model", "endpoint", "metaModel", "taskModel", "ensemble", "ensembleSeed", "anthropicEndpoint", "apiKeyEnv",
            "anthropicApiKeyEnv", "temperature", "maxOutputTokens", "stream", "maxConcurrency", "maxRetries",
            "retryBaseDelaySeconds", "maxRetryDelaySeconds", "attemptTimeoutSeconds", "callTimeoutSeconds", "tokenBudget",
            "moneyBudgetUsd", "prices",
        ];
    }
}

/// <summary>Model options that cannot work; the message lists each problem and how to fix it.</summary>
/// <remarks>The model flavour of <see cref="InvalidOptionsException"/>, also thrown for a config file that cannot be read.</remarks>
public sealed class ModelConfigurationException : InvalidOptionsException
{
    /// <summary>Creates the exception from its problems.</summary>
    /// <param name="errors">One sentence per problem, each with its fix.</param>
    public ModelConfigurationException(IReadOnlyList<string> errors)
        : base("model settings", errors)
    {
    }
}
