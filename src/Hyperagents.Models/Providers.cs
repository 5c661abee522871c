using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Hyperagents.Models;

/// <summary>One model as the service calls it.</summary>
/// <param name="Provider">The provider name recorded in exchanges.</param>
/// <param name="Model">The spec recorded and priced, e.g. <c>openai:gpt-4.1</c>.</param>
/// <param name="ModelId">The provider's model id.</param>
/// <param name="Endpoint">The base URL, for the record; never with credentials.</param>
/// <param name="Local">Whether the endpoint is on this machine (priced at zero unless the table says otherwise).</param>
/// <param name="Client">The client; never a function-invoking one, because the agent runs its own tool loop.</param>
internal sealed record ModelRoute(string Provider, string Model, string ModelId, string? Endpoint, bool Local, IChatClient Client);

/// <summary>Builds provider clients over the shared resilient <see cref="HttpClient"/>. Constructing a client does no I/O.</summary>
internal static class Providers
{
    /// <summary>The placeholder credential sent to a loopback server that needs no key.</summary>
    public const string NoKey = "no-key";

    public static ModelRoute Create(ModelSpec spec, ModelOptions options, HttpClient http)
    {
        var endpoint = options.EndpointFor(spec.Provider);
        var local = endpoint?.IsLoopback == true;
        var key = options.ReadKey(spec.Provider);
        if (key is null && !local)
        {
            throw new ModelConfigurationException([spec.Provider == ModelProvider.OpenAI
                ? $"--model {spec} needs {options.KeyVariableFor(spec.Provider)}; set it, or use --endpoint http://127.0.0.1:11434/v1 for a local server."
                : $"--model {spec} needs {options.KeyVariableFor(spec.Provider)}; set it to your Anthropic API key, or use an openai: model with --endpoint for a local server."]);
        }

        IChatClient client = spec.Provider switch
        {
            ModelProvider.OpenAI => new ChatClient(spec.ModelId, new ApiKeyCredential(key ?? NoKey), new OpenAIClientOptions
            {
                Endpoint = endpoint,
                Transport = new HttpClientPipelineTransport(http),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = options.CallTimeout,
            }).AsIChatClient(),
            ModelProvider.Anthropic => CreateAnthropic(spec, options, http, endpoint, key ?? NoKey),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };
        return new ModelRoute(spec.ProviderName, spec.ToString(), spec.ModelId, endpoint?.GetLeftPart(UriPartial.Path).TrimEnd('/') ?? "https://api.anthropic.com", local, client);
    }

    private static IChatClient CreateAnthropic(ModelSpec spec, ModelOptions options, HttpClient http, Uri? endpoint, string key)
    {
        var client = new AnthropicClient
        {
            ApiKey = key,
            HttpClient = http,
            MaxRetries = 0,
            Timeout = options.CallTimeout,
        };
        if (endpoint is not null)
        {
            client = (AnthropicClient)client.WithOptions(o => o with { BaseUrl = endpoint.ToString().TrimEnd('/') });
        }

        return client.AsIChatClient(spec.ModelId, options.MaxOutputTokens);
    }
}
