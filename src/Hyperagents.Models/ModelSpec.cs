using System.Globalization;

namespace Hyperagents.Models;

/// <summary>Which API a model is reached through.</summary>
public enum ModelProvider
{
    /// <summary>The OpenAI chat-completions API, served by OpenAI or any compatible server (Azure, Ollama, vLLM,
    /// llama.cpp server, LM Studio, OpenRouter).</summary>
    OpenAI,

    /// <summary>The Anthropic messages API.</summary>
    Anthropic,
}

/// <summary>A model named as <c>&lt;provider&gt;:&lt;model-id&gt;</c>, e.g. <c>openai:gpt-4.1</c> or
/// <c>anthropic:claude-sonnet-4-5</c>.</summary>
/// <param name="Provider">The API the model is reached through.</param>
/// <param name="ModelId">The provider's model id; may itself contain colons (Ollama tags such as <c>llama3.1:8b</c>).</param>
public sealed record ModelSpec(ModelProvider Provider, string ModelId)
{
    /// <summary>The provider names accepted before the colon.</summary>
    public static IReadOnlyList<string> ProviderNames { get; } = ["openai", "anthropic"];

    /// <summary>The provider as written in a spec: <c>openai</c> or <c>anthropic</c>.</summary>
    public string ProviderName => Provider == ModelProvider.OpenAI ? "openai" : "anthropic";

    /// <summary>Parses a spec.</summary>
    /// <param name="text">The spec, e.g. <c>openai:gpt-4.1</c>.</param>
    /// <exception cref="FormatException">The spec is malformed; the message says what is wrong and how to write it.</exception>
    public static ModelSpec Parse(string text) =>
        TryParse(text, out var spec, out var error) ? spec : throw new FormatException(error);

    /// <summary>Parses a spec without throwing.</summary>
    /// <param name="text">The spec.</param>
    /// <param name="spec">The spec when valid.</param>
    /// <param name="error">What is wrong and how to fix it, when invalid.</param>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelSpec? spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        spec = null;
        var trimmed = text?.Trim() ?? string.Empty;
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (trimmed.Length == 0)
        {
            error = "The model spec is empty; write <provider>:<model-id>, e.g. openai:gpt-4.1 or anthropic:claude-sonnet-4-5.";
            return false;
        }

        if (colon < 0)
        {
            error = $"'{trimmed}' has no provider; write <provider>:<model-id>, e.g. openai:{trimmed} or anthropic:{trimmed} (providers: {string.Join(", ", ProviderNames)}).";
            return false;
        }

        var provider = trimmed[..colon].Trim().ToLowerInvariant();
        var model = trimmed[(colon + 1)..].Trim();
        ModelProvider? parsed = provider switch
        {
            "openai" => ModelProvider.OpenAI,
            "anthropic" => ModelProvider.Anthropic,
            _ => null,
        };
        if (parsed is null)
        {
            error = $"'{trimmed}' names the unknown provider '{provider}'; valid providers are {string.Join(", ", ProviderNames)} (use openai: with --endpoint for any OpenAI-compatible server such as Ollama, vLLM, llama.cpp or OpenRouter).";
            return false;
        }

        if (model.Length == 0)
        {
            error = $"'{trimmed}' has no model id after '{provider}:'; write e.g. {provider}:{(parsed == ModelProvider.OpenAI ? "gpt-4.1" : "claude-sonnet-4-5")}.";
            return false;
        }

        if (model.Any(char.IsWhiteSpace))
        {
            error = $"'{trimmed}' has whitespace in its model id; model ids have none.";
            return false;
        }

        spec = new ModelSpec(parsed.Value, model);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProviderName}:{ModelId}";
}

/// <summary>One member of a weighted ensemble, written <c>&lt;provider&gt;:&lt;model-id&gt;:&lt;weight&gt;</c>.</summary>
/// <param name="Spec">The model.</param>
/// <param name="Weight">Its positive relative weight.</param>
public sealed record WeightedModel(ModelSpec Spec, double Weight)
{
    /// <summary>Parses an ensemble entry; the weight, after the last colon, is required.</summary>
    /// <param name="text">E.g. <c>openai:gpt-4.1-mini:3</c> or <c>openai:llama3.1:8b:1</c>.</param>
    /// <exception cref="FormatException">The entry is malformed.</exception>
    public static WeightedModel Parse(string text) =>
        TryParse(text, out var entry, out var error) ? entry : throw new FormatException(error);

    /// <summary>Parses an ensemble entry without throwing.</summary>
    /// <param name="text">The entry.</param>
    /// <param name="entry">The entry when valid.</param>
    /// <param name="error">What is wrong and how to fix it, when invalid.</param>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out WeightedModel? entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        entry = null;
        var trimmed = text?.Trim() ?? string.Empty;
        var last = trimmed.LastIndexOf(':');
        if (last < 0 || trimmed.IndexOf(':', StringComparison.Ordinal) == last)
        {
            error = $"Ensemble entry '{trimmed}' needs a weight; write <provider>:<model-id>:<weight>, e.g. {(trimmed.Length == 0 ? "openai:gpt-4.1" : trimmed)}:1.";
            return false;
        }

        var weightText = trimmed[(last + 1)..];
        if (!double.TryParse(weightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !double.IsFinite(weight) || weight <= 0)
        {
            error = $"Ensemble entry '{trimmed}' has the weight '{weightText}'; a weight is a positive number, e.g. {trimmed[..last]}:1.";
            return false;
        }

        if (!ModelSpec.TryParse(trimmed[..last], out var spec, out var specError))
        {
            error = $"Ensemble entry '{trimmed}': {specError}";
            return false;
        }

        entry = new WeightedModel(spec, weight);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Spec}:{Weight.ToString(CultureInfo.InvariantCulture)}";
}
