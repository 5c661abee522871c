using Hyperagents.Transport;

namespace Hyperagents.Hosting;

/// <summary>The host side of one call's capability channel, the same in every runner: counts requests against
/// <see cref="RunLimits.MaxHostCalls"/>, refuses unknown capabilities and requests or replies over
/// <see cref="RunLimits.MaxMessageBytes"/>, and turns a failing handler into a <see cref="OutcomeKind.HostFault"/>.</summary>
/// <remarks>A refusal is a reply the agent sees as a catchable <see cref="HostCallException"/>. Going over the count is
/// not: it ends the call out of band (<see cref="OutcomeKind.TooManyHostCalls"/>), like every other limit.</remarks>
public sealed class HostCallChannel
{
    private readonly ICapabilityHandler _handler;
    private readonly RunLimits _limits;
    private int _count;

    /// <summary>Creates the channel of one call.</summary>
    /// <param name="handler">Serves the requests.</param>
    /// <param name="limits">The call's limits.</param>
    public HostCallChannel(ICapabilityHandler handler, RunLimits limits)
    {
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _limits = limits ?? throw new ArgumentNullException(nameof(limits));
    }

    /// <summary>How many requests the agent made (the one that went over the cap included).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Counts one request before anything of it is read. Returns the ending of the call when it is one too many.</summary>
    public Ending? CountRequest()
    {
        var count = Interlocked.Increment(ref _count);
        return count > _limits.MaxHostCalls
            ? new Ending(OutcomeKind.TooManyHostCalls, Detail: $"The agent made more than {_limits.MaxHostCalls} capability requests (RunLimits.MaxHostCalls); the call was ended.")
            : null;
    }

    /// <summary>The refusal of a counted request that never reaches the handler: an unknown capability or a request over
    /// the message cap. <see langword="null"/> when the request may be served.</summary>
    /// <param name="capability">The capability name (untrusted).</param>
    /// <param name="requestBytes">The size of the request.</param>
    public HostReply? Refusal(string capability, long requestBytes)
    {
        ArgumentNullException.ThrowIfNull(capability);
        if (!Capabilities.All.Contains(capability))
        {
            return HostReply.Fail("unknown-capability", $"'{CallRules.Line(capability, 64)}' is not a capability.");
        }

        return requestBytes > _limits.MaxMessageBytes
            ? HostReply.Fail("too-large", $"The request of {requestBytes} bytes exceeds the limit of {_limits.MaxMessageBytes} bytes (RunLimits.MaxMessageBytes).")
            : null;
    }

    /// <summary>Serves one counted request that passed <see cref="Refusal"/>. A handler that throws ends the call as a
    /// host fault; cancellation of <paramref name="cancellationToken"/> propagates for the runner to map.</summary>
    /// <param name="capability">The capability name.</param>
    /// <param name="request">The request document.</param>
    /// <param name="cancellationToken">Given to the handler.</param>
    /// <returns>The reply to send (capped), or the ending of the call.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<(HostReply Reply, Ending? End)> ServeAsync(string capability, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        HostReply reply;
        try
        {
            reply = await _handler.HandleAsync(capability, request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return (default, CallRules.HandlerFailed(capability, ex));
        }

        if (reply.Payload is null && reply.Error is null)
        {
            return (HostReply.Fail("host-error", "The host produced an empty reply."), null);
        }

        return reply.Payload is { } payload && payload.Length > _limits.MaxMessageBytes
            ? (HostReply.Fail("too-large", $"The reply of {payload.Length} bytes exceeds the limit of {_limits.MaxMessageBytes} bytes (RunLimits.MaxMessageBytes)."), null)
            : (reply, null);
    }

    /// <summary>The bytes the agent receives for a reply: the payload, or the encoded refusal.</summary>
    /// <param name="reply">The reply.</param>
    public static byte[] Body(HostReply reply) => reply.Error is { } error
        ? AgentInvoker.EncodeError(error.Error, error.Message)
        : reply.Payload ?? AgentInvoker.EncodeError("host-error", "The host produced an empty reply.");
}
