using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Hyperagents.Transport;

/// <summary>Typed calls over an <see cref="IHostChannel"/>.</summary>
internal static class HostCalls
{
    public static async ValueTask<TReply> CallAsync<TRequest, TReply>(
        this IHostChannel channel,
        string capability,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TReply> replyType)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var reply = await channel.CallAsync(capability, payload).ConfigureAwait(false);
        return JsonSerializer.Deserialize(reply, replyType)
               ?? throw new HostCallException(capability, "bad-reply", "The host sent an empty reply.");
    }
}
