using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Cli.Runs;
using Hyperagents.Models;

namespace Hyperagents.Cli.Tests;

/// <summary>The run manifest's typed model settings, and manifests written before them (tests/fixtures/format-2026-12).</summary>
public sealed class ManifestTests
{
    private static RunManifest Fixture()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "fixtures", "format-2026-12", "manifest.json");
            if (File.Exists(path))
            {
                return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            }
        }

        throw new FileNotFoundException("manifest.json");
    }

    [Fact]
    public void A_manifest_of_today_with_model_flags_reads_as_typed_model_settings()
    {
        var (settings, models) = RunHost.FromConfig(Fixture());

        Assert.Equal(("circle-packing", 4, 1), (settings.Domain, settings.Generations, settings.Replicates));
        Assert.Equal(new ModelSettings { Temperature = 0.5, TokenBudget = 5000 }, models);
        var options = RunOptions.Models(null, models, []);
        Assert.Equal((0.5, 5000L), (options.Temperature, options.TokenBudget));
    }

    [Fact]
    public void A_new_manifest_stores_typed_model_settings_and_reads_them_back()
    {
        var (settings, _) = RunHost.FromConfig(Fixture());
        var given = new ModelSettings { Model = "openai:gpt-x", Ensemble = ["openai:a:1"], AttemptTimeoutSeconds = 30, MoneyBudgetUsd = 1.25m };

        var config = RunHost.ToConfig(settings, given);
        var (back, models) = RunHost.FromConfig(new RunManifest("r", "circle-packing", "default", config));

        Assert.False(config.TryGetProperty("modelFlags", out _));
        Assert.Equal("openai:gpt-x", config.GetProperty("models").GetProperty("model").GetString());
        Assert.Equal(settings.Generations, back.Generations);
        Assert.Equal(given.ToFlags(), models.ToFlags());
    }

    [Fact]
    public void Model_settings_given_on_resume_override_the_stored_ones_and_ensemble_members_add_up()
    {
        var stored = ModelSettings.FromFlags([("--model", "openai:a"), ("--ensemble", "openai:x:1"), ("--temperature", "0.5")]);
        var later = ModelSettings.FromFlags([("--model", "openai:b"), ("--ensemble", "openai:y:2")]);

        var options = stored.Then(later).ApplyTo(new ModelOptions());

        Assert.Equal(("openai:b", 0.5), (options.Model, options.Temperature));
        Assert.Equal(["openai:x:1", "openai:y:2"], options.Ensemble);
        var error = Assert.Throws<ModelConfigurationException>(() => ModelSettings.FromFlags([("--temperature", "hot"), ("--nope", "1")]));
        Assert.Equal(2, error.Errors.Count);
    }
}
