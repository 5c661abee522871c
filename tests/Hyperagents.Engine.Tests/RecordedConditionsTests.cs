using System.Text.Json;
using Hyperagents.Archive;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Models;

namespace Hyperagents.Engine.Tests;

/// <summary>Typed seeds and limits against a provenance record and an evaluation note written before they were typed
/// (tests/fixtures/format-2026-12), and the one validation path of the options the command line builds.</summary>
public sealed class RecordedConditionsTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static string Fixture(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "fixtures", "format-2026-12", name);
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }

        throw new FileNotFoundException(name);
    }

    [Fact]
    public void Attempt_seeds_read_from_a_provenance_record_of_today_and_write_back_the_same_keys()
    {
        var provenance = JsonSerializer.Deserialize<Provenance>(Fixture("provenance.json"), Web)!;

        var seeds = AttemptSeeds.From(provenance.Seeds);

        Assert.Equal(new AttemptSeeds(1, unchecked((ulong)-4642989930402801473L)), seeds);
        Assert.Equal(provenance.Seeds!.OrderBy(s => s.Key), seeds!.ToProvenance().OrderBy(s => s.Key));
        Assert.Equal(new Dictionary<string, long> { ["attempt"] = 0 }, new AttemptSeeds(0).ToProvenance());
        Assert.Null(AttemptSeeds.From(new Dictionary<string, long> { ["tasks"] = 5 }));
    }

    [Fact]
    public void Evaluation_conditions_read_the_seed_and_limits_an_evaluation_note_of_today_recorded()
    {
        using var note = JsonDocument.Parse(Fixture("evaluations.json"));
        var evaluation = note.RootElement.GetProperty("evaluations")[0].Deserialize<Evaluation>(Web)!;
        var defaults = new RunLimits { WallClock = TimeSpan.FromSeconds(7), Fuel = 2_000_000, MemoryBytes = 128L * 1024 * 1024 };

        var conditions = EvaluationConditions.Of(evaluation, defaults);

        Assert.Equal(1UL, conditions.RunSeed);
        Assert.Null(conditions.LegacyTaskSeed);
        Assert.Equal((TimeSpan.FromMinutes(1), 20_000_000_000L, 512L * 1024 * 1024), (conditions.Limits.WallClock, conditions.Limits.Fuel, conditions.Limits.MemoryBytes));
        Assert.Equal(evaluation.Limits!.OrderBy(l => l.Key), conditions.LimitsForNote().OrderBy(l => l.Key));
        Assert.Equal(evaluation.Seeds!.OrderBy(l => l.Key), conditions.SeedsForNote().OrderBy(l => l.Key));

        var legacy = EvaluationConditions.Of(evaluation with { Seeds = new Dictionary<string, long> { ["tasks"] = -3 }, Limits = null }, defaults);
        Assert.Equal((null, unchecked((ulong)-3L)), (legacy.RunSeed, legacy.LegacyTaskSeed));
        Assert.Same(defaults, legacy.Limits);
    }

    [Fact]
    public void Run_settings_list_every_problem_of_their_own_and_of_their_limits_in_one_user_error()
    {
        var settings = new RunSettings
        {
            Domain = "",
            Generations = -1,
            Parallel = 0,
            TaskLimits = new RunLimits { Fuel = 5 },
            MetaLimits = new RunLimits { WallClock = TimeSpan.Zero },
        };

        var error = Assert.Throws<InvalidOptionsException>(() => settings.Validate());

        Assert.Equal(5, error.Errors.Count);
        Assert.Contains("--domain is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("--generations", error.Message, StringComparison.Ordinal);
        Assert.Contains("--parallel", error.Message, StringComparison.Ordinal);
        Assert.Contains("The task limits: Fuel", error.Message, StringComparison.Ordinal);
        Assert.Contains("The meta limits: WallClock", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<Hyperagents.Transport.UserErrorException>(error);
    }

    [Fact]
    public void Model_options_and_limits_fail_the_same_way_as_run_settings()
    {
        var model = Assert.Throws<ModelConfigurationException>(() => new ModelOptions { Temperature = 5, MaxRetries = 99 }.Validate());
        var limits = Assert.Throws<InvalidOptionsException>(() => new RunLimits { Fuel = 1, MaxHostCalls = 0 }.Validate());

        Assert.IsAssignableFrom<InvalidOptionsException>(model);
        Assert.Equal(2, model.Errors.Count);
        Assert.Equal(2, limits.Errors.Count);
        Assert.Empty(new RunSettings { Domain = "circle-packing" }.GetErrors());
    }
}
