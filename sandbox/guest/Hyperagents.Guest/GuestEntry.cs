using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Hyperagents.Transport;

namespace Hyperagents.Guest;

/// <summary>The entry points the host calls through <c>mono_wasm_invoke_jsexport</c>.</summary>
/// <remarks>
/// Each takes a pointer to a 16-byte block in linear memory: input pointer, input length (set by the host), output
/// pointer, output length (set here, allocated with <c>malloc</c>, freed by the host). Every entry catches everything:
/// an exception escaping a method invoked this way aborts the runtime.
/// Output: status byte 0 = done + InvocationResult JSON; 1 = pending + new requests; 2 = bootstrap fault + message.
/// </remarks>
public static unsafe class GuestEntry
{
    private const byte Done = 0;
    private const byte Pending = 1;
    private const byte Fault = 2;

    private static GuestChannel? s_channel;
    private static Task<InvocationResult>? s_run;

    /// <summary>Starts an entry point: input is kind (1 solve, 2 modify, 3 warm-up), the agent image and the invocation.
    /// A solve whose image is a <see cref="ScriptBundle"/> runs the script chain instead.</summary>
    public static void Start(byte* io)
    {
        try
        {
            var input = ReadInput(io);
            var kind = input[0];
            var imageLength = BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(1));
            var image = input.AsSpan(5, imageLength).ToArray();
            var invocationLength = BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(5 + imageLength));
            var invocation = input.AsSpan(9 + imageLength, invocationLength).ToArray();
            s_channel = new GuestChannel();
            s_run = kind switch
            {
                1 when ScriptBundle.IsBundle(image) => StartScript(image, invocation, s_channel),
                1 => StartSolve(Assembly.Load(image), invocation, s_channel),
                2 => StartModify(Assembly.Load(image), invocation, s_channel),
                3 => StartSolve(typeof(GuestEntry).Assembly, invocation, s_channel),
                _ => throw new InvalidOperationException("Unknown entry kind."),
            };
            WriteState(io);
        }
        catch (Exception ex)
        {
            WriteFault(io, ex);
        }
    }

    /// <summary>Delivers a reply: request id, ok flag, payload. Continuations of the agent run inline here.</summary>
    public static void Resume(byte* io)
    {
        try
        {
            var input = ReadInput(io);
            var id = BinaryPrimitives.ReadInt32LittleEndian(input);
            var ok = input[4] == 1;
            var length = BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(5));
            var payload = input.AsSpan(9, length).ToArray();
            if (s_channel is null || !s_channel.Complete(id, ok, payload))
            {
                throw new InvalidOperationException($"No request {id} is pending.");
            }

            WriteState(io);
        }
        catch (Exception ex)
        {
            WriteFault(io, ex);
        }
    }

    /// <summary>Reports the state after the host ran queued background work or a timer.</summary>
    public static void Poll(byte* io)
    {
        try
        {
            WriteState(io);
        }
        catch (Exception ex)
        {
            WriteFault(io, ex);
        }
    }

    private static Task<InvocationResult> StartSolve(Assembly agent, byte[] invocation, GuestChannel channel)
    {
        var parsed = JsonSerializer.Deserialize(invocation, SdkJson.Default.TaskInvocation)
                     ?? throw new InvalidOperationException("Empty task invocation.");
        return AgentInvoker.SolveTaskAsync(agent, parsed, channel);
    }

    private static Task<InvocationResult> StartScript(byte[] bundle, byte[] invocation, GuestChannel channel)
    {
        var parsed = JsonSerializer.Deserialize(invocation, SdkJson.Default.TaskInvocation)
                     ?? throw new InvalidOperationException("Empty task invocation.");
        return AgentInvoker.RunScriptAsync(bundle, parsed, channel);
    }

    private static Task<InvocationResult> StartModify(Assembly agent, byte[] invocation, GuestChannel channel)
    {
        var parsed = JsonSerializer.Deserialize(invocation, SdkJson.Default.MetaInvocation)
                     ?? throw new InvalidOperationException("Empty meta invocation.");
        return AgentInvoker.ModifySelfAsync(agent, parsed, channel);
    }

    private static byte[] ReadInput(byte* io)
    {
        var pointer = *(int*)io;
        var length = *(int*)(io + 4);
        return new ReadOnlySpan<byte>((void*)(nint)pointer, length).ToArray();
    }

    private static void WriteState(byte* io)
    {
        var run = s_run ?? throw new InvalidOperationException("No entry point is running.");
        if (run.IsCompleted)
        {
            // AgentInvoker never faults its task; a fault here is a bootstrap defect and is reported as such.
            var json = JsonSerializer.SerializeToUtf8Bytes(run.GetAwaiter().GetResult(), SdkJson.Default.InvocationResult);
            var done = new byte[5 + json.Length];
            done[0] = Done;
            BinaryPrimitives.WriteInt32LittleEndian(done.AsSpan(1), json.Length);
            json.CopyTo(done, 5);
            WriteOutput(io, done);
            return;
        }

        var requests = s_channel!.TakeOutbox();
        var size = 5;
        foreach (var r in requests)
        {
            size += 12 + Encoding.UTF8.GetByteCount(r.Capability) + r.Payload.Length;
        }

        var output = new byte[size];
        output[0] = Pending;
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(1), requests.Count);
        var at = 5;
        foreach (var r in requests)
        {
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(at), r.Id);
            var capLength = Encoding.UTF8.GetBytes(r.Capability, output.AsSpan(at + 8));
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(at + 4), capLength);
            at += 8 + capLength;
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(at), r.Payload.Length);
            r.Payload.CopyTo(output, at + 4);
            at += 4 + r.Payload.Length;
        }

        WriteOutput(io, output);
    }

    private static void WriteFault(byte* io, Exception ex)
    {
        try
        {
            var message = Encoding.UTF8.GetBytes(ex.GetType().FullName + ": " + ex.Message);
            var output = new byte[5 + message.Length];
            output[0] = Fault;
            BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(1), message.Length);
            message.CopyTo(output, 5);
            WriteOutput(io, output);
        }
        catch
        {
            *(int*)(io + 8) = 0;
            *(int*)(io + 12) = 0;
        }
    }

    private static void WriteOutput(byte* io, byte[] output)
    {
        var buffer = Marshal.AllocHGlobal(output.Length);
        Marshal.Copy(output, 0, buffer, output.Length);
        *(int*)(io + 8) = (int)buffer;
        *(int*)(io + 12) = output.Length;
    }
}

/// <summary>The throw-away agent a pooled VM runs once before it is handed out, so that the runtime is warm.</summary>
public static class Warmup
{
    /// <summary>Touches the SDK, JSON, collections, LINQ and one host call.</summary>
    /// <param name="context">The task context.</param>
    public static async Task<string> SolveTask(TaskContext context)
    {
        await context.Log.DebugAsync("warm-up").ConfigureAwait(false);
        var values = Enumerable.Range(0, 64).Select(i => context.Random.NextDouble() * i).OrderBy(x => x).ToList();
        var sb = new StringBuilder();
        foreach (var (key, value) in context.Task.Parameters)
        {
            sb.Append(key).Append('=').Append(value).Append(';');
        }

        return sb.Append(values.Sum().ToString("F3", System.Globalization.CultureInfo.InvariantCulture)).ToString();
    }
}
