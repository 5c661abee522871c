using Hyperagents.Models.Tests.Support;
using Microsoft.Extensions.AI;

namespace Hyperagents.Models.Tests;

public sealed class OptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hyperagents-options-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("openai:gpt-4.1", ModelProvider.OpenAI, "gpt-4.1")]
    [InlineData("anthropic:claude-sonnet-4-5", ModelProvider.Anthropic, "claude-sonnet-4-5")]
    [InlineData(" OpenAI:llama3.1:8b ", ModelProvider.OpenAI, "llama3.1:8b")]
    public void Specs_parse(string text, ModelProvider provider, string model)
    {
        var spec = ModelSpec.Parse(text);

        Assert.Equal(new ModelSpec(provider, model), spec);
        Assert.Equal($"{spec.ProviderName}:{model}", spec.ToString());
    }

    [Theory]
    [InlineData("gemini:pro", "unknown provider 'gemini'; valid providers are openai, anthropic")]
    [InlineData("gpt-4.1", "'gpt-4.1' has no provider; write <provider>:<model-id>, e.g. openai:gpt-4.1")]
    [InlineData("openai:", "has no model id after 'openai:'")]
    [InlineData("", "The model spec is empty")]
    [InlineData("openai:gpt 4", "whitespace")]
    public void Bad_specs_say_what_is_wrong(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ModelSpec.Parse(text));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Ensemble_entries_need_a_positive_weight_after_the_last_colon()
    {
        Assert.Equal(new WeightedModel(new ModelSpec(ModelProvider.OpenAI, "llama3.1:8b"), 2.5), WeightedModel.Parse("openai:llama3.1:8b:2.5"));
        Assert.Contains("needs a weight", Assert.Throws<FormatException>(() => WeightedModel.Parse("openai:gpt-4.1")).Message);
        Assert.Contains("positive number", Assert.Throws<FormatException>(() => WeightedModel.Parse("openai:gpt-4.1:0")).Message);
        Assert.Contains("unknown provider", Assert.Throws<FormatException>(() => WeightedModel.Parse("mistral:large:1")).Message);
    }

    [Fact]
    public void A_remote_openai_model_without_a_key_says_how_to_fix_it()
    {
        var options = new ModelOptions { Model = "openai:gpt-4.1", Environment = Some.Env() };

        var error = Assert.Throws<ModelConfigurationException>(options.Validate);

        Assert.Equal("--model openai:gpt-4.1 needs OPENAI_API_KEY; set it, or use --endpoint http://127.0.0.1:11434/v1 for a local server.", error.Message);
    }

    [Fact]
    public void A_key_in_the_environment_or_a_loopback_endpoint_is_enough()
    {
        Assert.Empty(new ModelOptions { Model = "openai:gpt-4.1", Environment = Some.Env(new Dictionary<string, string> { ["OPENAI_API_KEY"] = "k-123" }) }.GetErrors());
        Assert.Empty(new ModelOptions { Model = "openai:llama3.1:8b", Endpoint = "http://127.0.0.1:11434/v1", Environment = Some.Env() }.GetErrors());
        Assert.Empty(new ModelOptions { Model = "openai:qwen", Endpoint = "http://localhost:8080/v1", Environment = Some.Env() }.GetErrors());
        Assert.Empty(new ModelOptions { Environment = Some.Env() }.GetErrors());
    }

    [Fact]
    public void A_config_named_key_variable_is_read_and_named_in_errors()
    {
        var env = Some.Env(new Dictionary<string, string> { ["OPENROUTER_API_KEY"] = "k-or" });
        var remote = new ModelOptions { Model = "openai:meta-llama/llama-3.1-70b", Endpoint = "https://openrouter.ai/api/v1", ApiKeyEnv = "OPENROUTER_API_KEY" };

        Assert.Empty((remote with { Environment = env }).GetErrors());
        var error = Assert.Single((remote with { Environment = Some.Env() }).GetErrors());
        Assert.Contains("needs OPENROUTER_API_KEY", error);
        Assert.Contains("--api-key-env", error);
    }

    [Fact]
    public void Errors_are_aggregated_into_one_message()
    {
        var options = new ModelOptions
        {
            Model = "openai:gpt-4.1",
            MetaModel = "anthropic:claude-sonnet-4-5",
            TaskModel = "gemini:pro",
            Endpoint = "ftp://example.com",
            MaxConcurrency = 0,
            TokenBudget = -5,
            Environment = Some.Env(),
        };

        var error = Assert.Throws<ModelConfigurationException>(options.Validate);

        Assert.Equal(5, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.StartsWith("--task-model:", StringComparison.Ordinal) && e.Contains("valid providers are openai, anthropic"));
        Assert.Contains(error.Errors, e => e.StartsWith("--endpoint 'ftp://example.com' is not an http(s) URL", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("--meta-model anthropic:claude-sonnet-4-5 needs ANTHROPIC_API_KEY", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("--model-concurrency 0", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("--token-budget -5", StringComparison.Ordinal));
        Assert.All(error.Errors, e => Assert.Contains(e, error.Message));
    }

    [Fact]
    public void A_money_budget_needs_a_price_for_every_remote_model()
    {
        var env = Some.Env(new Dictionary<string, string> { ["OPENAI_API_KEY"] = "k" });
        var options = new ModelOptions { Model = "openai:gpt-4.1", TaskModel = "openai:brand-new-model", MoneyBudgetUsd = 5, Environment = env };

        var error = Assert.Single(options.GetErrors());

        Assert.Contains("openai:brand-new-model", error);
        Assert.Contains("--prices", error);
    }

    [Fact]
    public void Roles_take_their_own_model_then_the_ensemble_then_the_default()
    {
        var options = new ModelOptions { Model = "openai:base", MetaModel = "anthropic:meta", Ensemble = ["openai:a:1", "openai:b:3"] };

        Assert.Equal([new WeightedModel(new ModelSpec(ModelProvider.Anthropic, "meta"), 1)], options.ModelsFor(ChatRole.Meta));
        Assert.Equal(["openai:a", "openai:b"], options.ModelsFor(ChatRole.Task).Select(m => m.Spec.ToString()));
        Assert.Equal(["openai:base"], (options with { Ensemble = [] }).ModelsFor(ChatRole.Task).Select(m => m.Spec.ToString()));
        Assert.Empty(new ModelOptions().ModelsFor(ChatRole.Task));
    }

    [Fact]
    public void Config_file_then_environment_then_flags()
    {
        var path = Path.Combine(_folder, "hyperagents.json");
        File.WriteAllText(path, """
            {
              // comments are allowed
              "models": {
                "model": "openai:from-file",
                "metaModel": "openai:meta-from-file",
                "endpoint": "http://127.0.0.1:11434/v1",
                "maxConcurrency": 3,
                "attemptTimeoutSeconds": 7.5,
                "prices": "prices.json"
              }
            }
            """);
        var env = Some.Env(new Dictionary<string, string> { ["HYPERAGENTS_MODEL"] = "openai:from-env" });

        var loaded = ModelOptions.Load(path, env);
        var flagged = loaded with { MetaModel = "openai:from-flag" };

        Assert.Equal("openai:from-env", loaded.Model);
        Assert.Equal("openai:meta-from-file", loaded.MetaModel);
        Assert.Equal("openai:from-flag", flagged.MetaModel);
        Assert.Equal(3, loaded.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(7.5), loaded.AttemptTimeout);
        Assert.Equal(Path.Combine(_folder, "prices.json"), loaded.Prices);
        Assert.Equal(new ModelOptions().MaxRetries, loaded.MaxRetries);
    }

    [Theory]
    [InlineData("apiKey")]
    [InlineData("openai_api_key")]
    [InlineData("authToken")]
    public void A_config_file_holding_a_key_is_refused(string setting)
    {
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, $$"""{ "model": "openai:gpt-4.1", "{{setting}}": "sk-oops" }""");

        var error = Assert.Throws<ModelConfigurationException>(() => ModelOptions.Load(path, Some.Env()));

        Assert.Contains($"\"{setting}\"", error.Message);
        Assert.Contains("environment variables", error.Message);
        Assert.DoesNotContain("sk-oops", error.Message);
    }

    [Fact]
    public void A_config_file_with_an_unknown_setting_lists_the_settings()
    {
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, """{ "modle": "openai:gpt-4.1" }""");

        var error = Assert.Throws<ModelConfigurationException>(() => ModelOptions.Load(path, Some.Env()));

        Assert.Contains("unknown or mistyped setting", error.Message);
        Assert.Contains("metaModel", error.Message);
    }

    [Fact]
    public void A_missing_config_file_names_it()
    {
        var error = Assert.Throws<ModelConfigurationException>(() => ModelOptions.Load(Path.Combine(_folder, "nope.json"), Some.Env()));

        Assert.Contains("nope.json' does not exist", error.Message);
    }

    [Fact]
    public void The_anthropic_client_is_built_without_a_call()
    {
        var env = Some.Env(new Dictionary<string, string> { [ModelOptions.AnthropicKeyVariable] = Some.FakeKey });
        using var models = ModelServices.Create(new ModelOptions { Model = "anthropic:claude-sonnet-4-5", Environment = env });

        var client = models.ClientFor(new ModelSpec(ModelProvider.Anthropic, "claude-sonnet-4-5"));

        Assert.NotNull(client);
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("claude-sonnet-4-5", metadata.DefaultModelId);
        Assert.True(models.HasModel(ChatRole.Meta));
    }

    [Fact]
    public void The_anthropic_client_without_a_key_is_a_configuration_error()
    {
        var error = Assert.Throws<ModelConfigurationException>(() => ModelServices.Create(new ModelOptions { Model = "anthropic:claude-sonnet-4-5", Environment = Some.Env() }));

        Assert.Equal("--model anthropic:claude-sonnet-4-5 needs ANTHROPIC_API_KEY; set it to your Anthropic API key, or use an openai: model with --endpoint for a local server.", error.Message);
    }

    [Fact]
    public void The_endpoint_flag_alone_with_anthropic_models_is_explained()
    {
        var env = Some.Env(new Dictionary<string, string> { [ModelOptions.AnthropicKeyVariable] = "k" });

        var error = Assert.Single(new ModelOptions { Model = "anthropic:claude-sonnet-4-5", Endpoint = "http://127.0.0.1:11434/v1", Environment = env }.GetErrors());

        Assert.Contains("--anthropic-endpoint", error);
    }
}

public sealed class FlagTests
{
    [Fact]
    public void Every_documented_flag_applies_to_its_property()
    {
        var options = new ModelOptions();
        var values = new Dictionary<string, string>
        {
            ["--model"] = "openai:gpt-4.1", ["--endpoint"] = "http://127.0.0.1:11434/v1", ["--meta-model"] = "anthropic:claude-sonnet-4-5",
            ["--task-model"] = "openai:gpt-4.1-mini", ["--ensemble"] = "openai:a:1", ["--ensemble-seed"] = "9",
            ["--anthropic-endpoint"] = "http://127.0.0.1:9000", ["--api-key-env"] = "MY_KEY", ["--anthropic-api-key-env"] = "MY_A_KEY",
            ["--temperature"] = "0.3", ["--max-output-tokens"] = "1000", ["--stream"] = "true", ["--model-concurrency"] = "8",
            ["--model-retries"] = "2", ["--model-attempt-timeout"] = "30", ["--model-timeout"] = "90", ["--token-budget"] = "50000",
            ["--money-budget"] = "2.5", ["--prices"] = "p.json",
        };
        Assert.Equal(ModelOptions.FlagNames.Order(), values.Keys.Order());

        foreach (var (flag, value) in values)
        {
            options = options.WithFlag(flag, value);
        }

        options = options.WithFlag("--ensemble", "openai:b:2");
        var expected = new ModelOptions
        {
            Model = "openai:gpt-4.1", Endpoint = "http://127.0.0.1:11434/v1", MetaModel = "anthropic:claude-sonnet-4-5", TaskModel = "openai:gpt-4.1-mini",
            EnsembleSeed = 9, AnthropicEndpoint = "http://127.0.0.1:9000", ApiKeyEnv = "MY_KEY", AnthropicApiKeyEnv = "MY_A_KEY",
            Temperature = 0.3, MaxOutputTokens = 1000, Stream = true, MaxConcurrency = 8, MaxRetries = 2,
            AttemptTimeout = TimeSpan.FromSeconds(30), CallTimeout = TimeSpan.FromSeconds(90), TokenBudget = 50000, MoneyBudgetUsd = 2.5m, Prices = "p.json",
            Ensemble = options.Ensemble, Environment = options.Environment,
        };
        Assert.Equal(expected, options);
        Assert.Equal(["openai:a:1", "openai:b:2"], options.Ensemble);
    }

    [Theory]
    [InlineData("--model-concurrency", "lots", "--model-concurrency 'lots' is not valid; write a number from 1 to 256.")]
    [InlineData("--stream", "yes", "--stream 'yes' is not valid; write true or false.")]
    [InlineData("--modle", "x", "'--modle' is not a model flag")]
    public void Bad_flag_values_say_what_to_write(string flag, string value, string expected)
    {
        var error = Assert.Throws<ModelConfigurationException>(() => new ModelOptions().WithFlag(flag, value));

        Assert.StartsWith(expected, error.Message);
    }
}

public sealed class OfflineTests
{
    [Fact]
    public async Task Without_any_model_the_services_build_and_every_call_is_no_model()
    {
        using var models = ModelServices.Create(new ModelOptions { Environment = Some.Env() });
        var chat = models.OpenSession("v");

        var error = await Assert.ThrowsAsync<Hyperagents.Hosting.Sessions.ChatUnavailableException>(() => chat.CompleteAsync(Some.Ask("q"), CancellationToken.None));

        Assert.False(models.HasModel(ChatRole.Meta));
        Assert.False(models.HasModel(ChatRole.Task));
        Assert.Equal("no-model", error.Code);
        Assert.Equal("no-model", Assert.Single(chat.Transcript).Error!.Code);
        Assert.Null(models.Ledger.TokensLeft);
    }
}
