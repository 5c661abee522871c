using System.Text.Json;
using Hyperagents.Hosting.Sessions;
using Microsoft.Extensions.AI;
using Ai = Microsoft.Extensions.AI;

namespace Hyperagents.Models;

/// <summary>Maps the SDK's chat records to Microsoft.Extensions.AI and back. Requests come from untrusted agents:
/// anything malformed is refused with <c>bad-request</c>.</summary>
internal static class ChatMapping
{
    private static readonly JsonSerializerOptions ArgumentJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static List<Ai.ChatMessage> ToAiMessages(IReadOnlyList<ChatMessage>? messages)
    {
        if (messages is null || messages.Count == 0)
        {
            throw BadRequest("A chat request needs at least one message.");
        }

        var result = new List<Ai.ChatMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw BadRequest($"Message {i} is null.");
            var text = message.Text ?? string.Empty;
            switch (message.Role)
            {
                case ChatMessageRole.System:
                    result.Add(new Ai.ChatMessage(Ai.ChatRole.System, text));
                    break;
                case ChatMessageRole.User:
                    result.Add(new Ai.ChatMessage(Ai.ChatRole.User, text));
                    break;
                case ChatMessageRole.Assistant:
                {
                    var contents = new List<AIContent>();
                    if (text.Length > 0)
                    {
                        contents.Add(new TextContent(text));
                    }

                    foreach (var call in message.ToolCalls ?? [])
                    {
                        if (call is null || string.IsNullOrEmpty(call.Id) || string.IsNullOrEmpty(call.Name))
                        {
                            throw BadRequest($"Message {i} has a tool call without an id or a name.");
                        }

                        contents.Add(new FunctionCallContent(call.Id, call.Name, ParseArguments(call.ArgumentsJson, $"Message {i}, tool call '{call.Name}'")));
                    }

                    result.Add(new Ai.ChatMessage(Ai.ChatRole.Assistant, contents));
                    break;
                }

                case ChatMessageRole.Tool:
                    if (string.IsNullOrEmpty(message.ToolCallId))
                    {
                        throw BadRequest($"Message {i} is a tool result without the id of the call it answers.");
                    }

                    result.Add(new Ai.ChatMessage(Ai.ChatRole.Tool, [new FunctionResultContent(message.ToolCallId, text)]));
                    break;
                default:
                    throw BadRequest($"Message {i} has the unknown role {(int)message.Role}.");
            }
        }

        return result;
    }

    public static ChatOptions ToAiOptions(IReadOnlyList<ChatTool>? tools, double temperature, int maxOutputTokens)
    {
        var options = new ChatOptions
        {
            Temperature = (float)temperature,
            MaxOutputTokens = maxOutputTokens,
        };
        if (tools is { Count: > 0 })
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            options.Tools = [];
            foreach (var tool in tools)
            {
                if (tool is null || string.IsNullOrWhiteSpace(tool.Name) || tool.Name.Length > 64 || !tool.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                {
                    throw BadRequest($"Tool name '{tool?.Name}' is not valid; use 1 to 64 letters, digits, '_' or '-'.");
                }

                if (!names.Add(tool.Name))
                {
                    throw BadRequest($"Tool '{tool.Name}' is offered twice.");
                }

                JsonElement schema;
                try
                {
                    using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(tool.ParametersSchema) ? "{\"type\":\"object\",\"properties\":{}}" : tool.ParametersSchema);
                    schema = document.RootElement.Clone();
                }
                catch (JsonException ex)
                {
                    throw BadRequest($"Tool '{tool.Name}' has a parameters schema that is not JSON: {ex.Message}");
                }

                if (schema.ValueKind != JsonValueKind.Object)
                {
                    throw BadRequest($"Tool '{tool.Name}' has a parameters schema that is not a JSON object.");
                }

                options.Tools.Add(AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description ?? string.Empty, schema));
            }

            options.ToolMode = ChatToolMode.Auto;
        }

        return options;
    }

    /// <summary>The reply of a response; throws <see cref="ModelReplyException"/> when it is empty or malformed.</summary>
    public static ChatReply ToReply(ChatResponse response, long inputTokens, long outputTokens)
    {
        var text = response.Text ?? string.Empty;
        var calls = new List<ToolCall>();
        foreach (var call in response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>())
        {
            if (call.Exception is not null)
            {
                throw new ModelReplyException($"The model called tool '{call.Name}' with arguments that are not a JSON object.");
            }

            if (string.IsNullOrEmpty(call.Name))
            {
                throw new ModelReplyException("The model called a tool without naming it.");
            }

            var id = string.IsNullOrEmpty(call.CallId) ? $"call_{calls.Count + 1}" : call.CallId;
            calls.Add(new ToolCall(id, call.Name, JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), ArgumentJson)));
        }

        if (calls.Count == 0 && string.IsNullOrWhiteSpace(text))
        {
            throw new ModelReplyException("The model returned an empty reply (no text and no tool calls).");
        }

        var finish = response.FinishReason?.Value ?? (calls.Count > 0 ? ChatFinishReason.ToolCalls.Value : ChatFinishReason.Stop.Value);
        return new ChatReply(text, calls, finish, inputTokens, outputTokens);
    }

    /// <summary>A recorded reply as a response, for replay.</summary>
    public static ChatResponse ToAiResponse(ChatReply reply, string modelId)
    {
        var contents = new List<AIContent>();
        if (!string.IsNullOrEmpty(reply.Text))
        {
            contents.Add(new TextContent(reply.Text));
        }

        foreach (var call in reply.ToolCalls)
        {
            contents.Add(new FunctionCallContent(call.Id, call.Name, ParseArguments(call.ArgumentsJson, $"Recorded tool call '{call.Name}'")));
        }

        return new ChatResponse(new Ai.ChatMessage(Ai.ChatRole.Assistant, contents))
        {
            FinishReason = new ChatFinishReason(reply.FinishReason),
            ModelId = modelId,
            Usage = new UsageDetails { InputTokenCount = reply.InputTokens, OutputTokenCount = reply.OutputTokens, TotalTokenCount = reply.InputTokens + reply.OutputTokens },
        };
    }

    private static Dictionary<string, object?> ParseArguments(string? json, string where)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw BadRequest($"{where}: the arguments are not a JSON object.");
            }

            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                arguments[property.Name] = property.Value.Clone();
            }

            return arguments;
        }
        catch (JsonException ex)
        {
            throw BadRequest($"{where}: the arguments are not JSON ({ex.Message}).");
        }
    }

    private static ChatUnavailableException BadRequest(string message) => new("bad-request", message);
}

/// <summary>A reply that came back but cannot be used: empty, or with a malformed tool call.</summary>
internal sealed class ModelReplyException(string message) : Exception(message);
