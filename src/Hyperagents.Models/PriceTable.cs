using System.Text.Json;

namespace Hyperagents.Models;

/// <summary>What a model costs, in US dollars per million input and output tokens.</summary>
/// <param name="Input">USD per million input tokens.</param>
/// <param name="Output">USD per million output tokens.</param>
public sealed record ModelPrice(decimal Input, decimal Output)
{
    /// <summary>The cost of one call.</summary>
    /// <param name="inputTokens">Input tokens.</param>
    /// <param name="outputTokens">Output tokens.</param>
    public decimal Cost(long inputTokens, long outputTokens) => (inputTokens * Input + outputTokens * Output) / 1_000_000m;
}

/// <summary>Prices per model id. The shipped table (<c>prices.json</c>, embedded) can be overridden and extended by a
/// file of the same shape: <c>{ "models": { "&lt;model-id&gt;": { "input": 2.0, "output": 8.0 } } }</c>.</summary>
/// <remarks>A model id matches its exact key, else the longest key it starts with, so dated snapshots
/// (<c>gpt-4.1-2025-04-14</c>) and Anthropic ids with a date suffix find their family's price.</remarks>
public sealed class PriceTable
{
    private readonly Dictionary<string, ModelPrice> _prices;

    private PriceTable(Dictionary<string, ModelPrice> prices) => _prices = prices;

    /// <summary>The shipped table.</summary>
    public static PriceTable Default { get; } = new(ReadShipped());

    /// <summary>Every entry.</summary>
    public IReadOnlyDictionary<string, ModelPrice> Entries => _prices;

    /// <summary>The shipped table with a file's entries merged over it.</summary>
    /// <param name="path">The override file, or <see langword="null"/> for the shipped table alone.</param>
    /// <exception cref="ModelConfigurationException">The file is missing or malformed.</exception>
    public static PriceTable LoadWithOverrides(string? path)
    {
        if (path is null)
        {
            return Default;
        }

        if (!File.Exists(path))
        {
            throw new ModelConfigurationException([$"The price table '{path}' does not exist; check --prices or omit it to use the shipped prices."]);
        }

        Dictionary<string, ModelPrice> overrides;
        try
        {
            overrides = Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new ModelConfigurationException([$"The price table '{path}' is malformed ({ex.Message}); write {{ \"models\": {{ \"<model-id>\": {{ \"input\": <usd per million>, \"output\": <usd per million> }} }} }}."]);
        }

        var merged = new Dictionary<string, ModelPrice>(Default._prices, StringComparer.OrdinalIgnoreCase);
        foreach (var (model, price) in overrides)
        {
            merged[model] = price;
        }

        return new PriceTable(merged);
    }

    /// <summary>Builds a table from entries (tests, embedding hosts).</summary>
    /// <param name="prices">Model id to price.</param>
    public static PriceTable From(IReadOnlyDictionary<string, ModelPrice> prices) =>
        new(new Dictionary<string, ModelPrice>(prices, StringComparer.OrdinalIgnoreCase));

    /// <summary>The price of a model id, or <see langword="null"/> when the table has none.</summary>
    /// <param name="modelId">The provider's model id.</param>
    public ModelPrice? Find(string modelId)
    {
        if (_prices.TryGetValue(modelId, out var exact))
        {
            return exact;
        }

        ModelPrice? best = null;
        var bestLength = 0;
        foreach (var (key, price) in _prices)
        {
            if (key.Length > bestLength && modelId.Length > key.Length && modelId.StartsWith(key, StringComparison.OrdinalIgnoreCase)
                && modelId[key.Length] is '-' or '@' or ':' or '.')
            {
                best = price;
                bestLength = key.Length;
            }
        }

        return best;
    }

    private static Dictionary<string, ModelPrice> ReadShipped()
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream("Hyperagents.Models.prices.json")
            ?? throw new InvalidOperationException("The shipped price table is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private static Dictionary<string, ModelPrice> Parse(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("no \"models\" object");
        }

        var prices = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in models.EnumerateObject())
        {
            if (!entry.Value.TryGetProperty("input", out var input) || !entry.Value.TryGetProperty("output", out var output)
                || !input.TryGetDecimal(out var inputPrice) || !output.TryGetDecimal(out var outputPrice) || inputPrice < 0 || outputPrice < 0)
            {
                throw new FormatException($"\"{entry.Name}\" needs non-negative numbers \"input\" and \"output\"");
            }

            prices[entry.Name] = new ModelPrice(inputPrice, outputPrice);
        }

        return prices;
    }
}
