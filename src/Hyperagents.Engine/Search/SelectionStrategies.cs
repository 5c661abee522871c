using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hyperagents.Engine;

/// <summary>What a strategy chooses from.</summary>
/// <param name="Archive">Every attempt so far.</param>
/// <param name="Candidates">The valid parents, with α, in archive order (never empty).</param>
/// <param name="Attempt">The attempt being made, from 1.</param>
/// <param name="Options">The search's parameters (islands, migration interval).</param>
public sealed record SelectionInput(SearchArchive Archive, IReadOnlyList<SelectionCandidate> Candidates, int Attempt, SearchOptions Options);

/// <summary>The search's parameters, from the run settings.</summary>
/// <param name="Islands">How many islands <c>islands</c> keeps.</param>
/// <param name="MigrationInterval">Island generations between two migrations.</param>
/// <param name="Features">The MAP-Elites features of the domain (<see cref="SearchFeatures"/>).</param>
public sealed record SearchOptions(int Islands = SearchOptions.DefaultIslands, int MigrationInterval = SearchOptions.DefaultMigrationInterval, IReadOnlyList<string>? Features = null)
{
    /// <summary>The default number of islands.</summary>
    public const int DefaultIslands = 4;

    /// <summary>The default migration interval, in island generations.</summary>
    public const int DefaultMigrationInterval = 5;

    /// <summary>The features MAP-Elites bins on: the domain's, else <see cref="SearchFeatures.Defaults"/>.</summary>
    public IReadOnlyList<string> FeaturesOrDefault => Features is { Count: > 0 } f ? f : SearchFeatures.Defaults;
}

/// <summary>A parent-selection strategy: a pure function of the archive and one seeded source, so a resumed run draws
/// the same parents (docs/search.md).</summary>
public interface IParentStrategy
{
    /// <summary>The name <c>--selection</c>, the manifest and <c>experiment --strategies</c> use.</summary>
    string Name { get; }

    /// <summary>One line for help and docs.</summary>
    string Summary { get; }

    /// <summary>Whether the strategy reads <see cref="SearchNode.TaskScores"/> (loading them reads every evaluation).</summary>
    bool NeedsTaskScores => false;

    /// <summary>Whether the strategy reads <see cref="SearchNode.Features"/> (computing them reads every variant's files).</summary>
    bool NeedsFeatures => false;

    /// <summary>Chooses one parent among <see cref="SelectionInput.Candidates"/>.</summary>
    /// <param name="input">The archive and the candidates.</param>
    /// <param name="random">The attempt's seeded source.</param>
    SelectionResult Select(SelectionInput input, SeededRandom random);
}

/// <summary>The one registry of parent-selection strategies, by name. The CLI's <c>--selection</c>, the run manifest
/// (<see cref="RunSettings.Selection"/>) and the experiment harness all resolve names here.</summary>
public static class SelectionStrategies
{
    /// <summary>The default strategy, DGM-H's.</summary>
    public const string Default = "score_child_prop";

    private static readonly IParentStrategy[] All =
    [
        new ClassicStrategy("score_child_prop", SelectionMethod.ScoreChildProp, "DGM-H's default: σ(10·(α − α_mid)) · exp(−(children/8)³)."),
        new ClassicStrategy("score_prop", SelectionMethod.ScoreProp, "The same sigmoid without the child factor."),
        new ClassicStrategy("best", SelectionMethod.Best, "The highest α."),
        new ClassicStrategy("random", SelectionMethod.Random, "Uniform among valid parents."),
        new ClassicStrategy("latest", SelectionMethod.Latest, "The most recent valid parent (the no-archive ablation)."),
        new ParetoStrategy(),
        new CladeStrategy(),
        new EloStrategy(),
        new IslandStrategy(),
        new AgentStrategy(),
    ];

    /// <summary>Every strategy name, in the order help lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(s => s.Name).ToList();

    /// <summary>Every strategy.</summary>
    public static IReadOnlyList<IParentStrategy> Strategies => All;

    /// <summary>The canonical name of <paramref name="name"/>: case, <c>-</c> and <c>_</c> are ignored, so the enum
    /// names older manifests stored (<c>ScoreChildProp</c>) read as the names of today.</summary>
    /// <param name="name">A name as typed or stored.</param>
    /// <param name="canonical">The registered name.</param>
    /// <returns>Whether the name is registered.</returns>
    public static bool TryNormalize(string? name, out string canonical)
    {
        var key = Key(name ?? string.Empty);
        canonical = All.FirstOrDefault(s => Key(s.Name) == key)?.Name ?? string.Empty;
        return canonical.Length > 0;
    }

    /// <summary>The strategy named <paramref name="name"/>.</summary>
    /// <param name="name">A registered name (any spelling <see cref="TryNormalize"/> takes).</param>
    /// <exception cref="ArgumentException">The name is not registered.</exception>
    public static IParentStrategy Get(string name) => TryNormalize(name, out var canonical)
        ? All.First(s => s.Name == canonical)
        : throw new ArgumentException(Unknown(name), nameof(name));

    /// <summary>The one-line error for an unknown name, listing the registered ones.</summary>
    /// <param name="name">The unknown name.</param>
    public static string Unknown(string? name) => $"--selection '{name}' is not one of: {string.Join(", ", Names)}.";

    private static string Key(string name) =>
        name.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>The DGM-H weights of <see cref="ParentSelection"/>, one draw.</summary>
    private sealed class ClassicStrategy(string name, SelectionMethod method, string summary) : IParentStrategy
    {
        public string Name => name;

        public string Summary => summary;

        public SelectionResult Select(SelectionInput input, SeededRandom random) => ParentSelection.Select(method, input.Candidates, random);
    }
}

/// <summary>Reads a strategy name as any spelling <see cref="SelectionStrategies.TryNormalize"/> takes (the enum names
/// of older manifests included) and stores the canonical name.</summary>
public sealed class SelectionNameJsonConverter : JsonConverter<string>
{
    private static readonly string[] EnumOrder = ["score_child_prop", "score_prop", "best", "random", "latest"];

    /// <inheritdoc/>
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String when SelectionStrategies.TryNormalize(reader.GetString(), out var name) => name,
        // The enum's numbers, had a manifest stored them.
        JsonTokenType.Number when reader.TryGetInt32(out var n) && n >= 0 && n < EnumOrder.Length => EnumOrder[n],
        _ => throw new JsonException($"The selection must be one of: {string.Join(", ", SelectionStrategies.Names)}."),
    };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
