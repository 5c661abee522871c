using Hyperagents.Transport;

namespace Hyperagents.Guest;

/// <summary>The guest end of the re-entrant host-call channel: a call records a request and returns an unfinished
/// task; the host reads the request when the current entry returns, serves it and re-enters with the reply.</summary>
internal sealed class GuestChannel : IHostChannel
{
    private readonly Dictionary<int, (string Capability, TaskCompletionSource<byte[]> Completion)> _pending = new();
    private readonly List<(int Id, string Capability, byte[] Payload)> _outbox = new();
    private int _nextId;

    public ValueTask<byte[]> CallAsync(string capability, byte[] request)
    {
        ArgumentNullException.ThrowIfNull(capability);
        ArgumentNullException.ThrowIfNull(request);
        var id = ++_nextId;
        var completion = new TaskCompletionSource<byte[]>();
        _pending.Add(id, (capability, completion));
        _outbox.Add((id, capability, request));
        return new ValueTask<byte[]>(completion.Task);
    }

    /// <summary>Requests made since the last entry returned.</summary>
    public List<(int Id, string Capability, byte[] Payload)> TakeOutbox()
    {
        var taken = new List<(int, string, byte[])>(_outbox);
        _outbox.Clear();
        return taken;
    }

    /// <summary>Completes request <paramref name="id"/>; continuations run inline on this (the only) thread.</summary>
    public bool Complete(int id, bool ok, byte[] payload)
    {
        if (!_pending.Remove(id, out var entry))
        {
            return false;
        }

        if (ok)
        {
            entry.Completion.SetResult(payload);
        }
        else
        {
            HostError? error = null;
            try
            {
                error = System.Text.Json.JsonSerializer.Deserialize(payload, SdkJson.Default.HostError);
            }
            catch (System.Text.Json.JsonException)
            {
            }

            entry.Completion.SetException(new HostCallException(entry.Capability, error?.Error ?? "host-error", error?.Message ?? "The host refused the request."));
        }

        return true;
    }
}
