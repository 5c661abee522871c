using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hyperagents.Models;

using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

/// <summary>The canonical form of a chat request and its SHA-256, the key a recorded reply is replayed by.</summary>
/// <remarks>Covers the messages (role, text, tool calls with canonical arguments, tool results), the tools (name,
/// description, canonical schema) and the sampling options (temperature, output cap). The model id is not part of it,
/// so a recording replays whichever model is configured. Object keys are sorted and whitespace dropped, so
/// formatting differences in arguments or schemas do not change the key.</remarks>
public static class RequestFingerprint
{
    /// <summary>The SHA-256 of the canonical request, lower-case hex.</summary>
    /// <param name="messages">The messages.</param>
    /// <param name="options">The options, or <see langword="null"/>.</param>
    public static string Compute(IEnumerable<ChatMessage> messages, ChatOptions? options) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(messages, options))));

    /// <summary>The canonical JSON of a request.</summary>
    /// <param name="messages">The messages.</param>
    /// <param name="options">The options, or <see langword="null"/>.</param>
    public static string Canonical(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            foreach (var message in messages)
            {
                WriteMessage(writer, message);
            }

            writer.WriteEndArray();
            WriteOptions(writer, options);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The canonical JSON of the options part alone (tools and sampling).</summary>
    /// <param name="options">The options, or <see langword="null"/>.</param>
    public static string CanonicalOptions(ChatOptions? options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteOptions(writer, options);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The canonical JSON of one message.</summary>
    /// <param name="message">The message.</param>
    public static string CanonicalMessage(ChatMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteMessage(writer, message);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("role", message.Role.Value);
        writer.WriteStartArray("content");
        foreach (var content in message.Contents)
        {
            writer.WriteStartObject();
            switch (content)
            {
                case TextContent text:
                    writer.WriteString("text", text.Text);
                    break;
                case FunctionCallContent call:
                    writer.WriteStartObject("call");
                    writer.WriteString("id", call.CallId);
                    writer.WriteString("name", call.Name);
                    writer.WritePropertyName("arguments");
                    WriteCanonical(writer, JsonSerializer.SerializeToElement(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions));
                    writer.WriteEndObject();
                    break;
                case FunctionResultContent result:
                    writer.WriteStartObject("result");
                    writer.WriteString("id", result.CallId);
                    writer.WritePropertyName("value");
                    if (result.Result is string s)
                    {
                        writer.WriteStringValue(s);
                    }
                    else
                    {
                        WriteCanonical(writer, JsonSerializer.SerializeToElement(result.Result, AIJsonUtilities.DefaultOptions));
                    }

                    writer.WriteEndObject();
                    break;
                default:
                    writer.WriteString("other", content.GetType().Name);
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteOptions(Utf8JsonWriter writer, ChatOptions? options)
    {
        if (options?.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature", Math.Round(temperature, 4));
        }

        if (options?.MaxOutputTokens is { } max)
        {
            writer.WriteNumber("maxOutputTokens", max);
        }

        writer.WriteStartArray("tools");
        foreach (var tool in options?.Tools ?? [])
        {
            writer.WriteStartObject();
            writer.WriteString("name", tool.Name);
            writer.WriteString("description", tool.Description);
            if (tool is AIFunctionDeclaration declaration)
            {
                writer.WritePropertyName("schema");
                WriteCanonical(writer, declaration.JsonSchema);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
