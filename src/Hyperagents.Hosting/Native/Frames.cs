using System.Buffers.Binary;

namespace Hyperagents.Hosting.Native;

/// <summary>The kinds of frame on the worker pipe. H = host, W = worker.</summary>
internal enum FrameType : byte
{
    /// <summary>W→H, JSON <see cref="WorkerHello"/>: the worker is ready.</summary>
    Hello = 1,
    /// <summary>H→W: <c>[int32 metaLength][WorkerJob JSON][image bytes]</c>.</summary>
    Job = 2,
    /// <summary>W→H: <c>[int32 id][byte nameLength][name ASCII][request bytes]</c>.</summary>
    Request = 3,
    /// <summary>H→W: <c>[int32 id][byte 1 = ok, 0 = error][payload or HostError JSON]</c>.</summary>
    Reply = 4,
    /// <summary>W→H: <c>[int32 metaLength][WorkerResult JSON][int32 answerLength or -1][answer UTF-8][output UTF-8]</c>.</summary>
    Result = 5,
    /// <summary>H→W, JSON <see cref="WorkerProbe"/>: a diagnostic question about the worker itself, never agent code.</summary>
    Probe = 7,
    /// <summary>W→H, JSON <see cref="WorkerProbeReply"/>.</summary>
    ProbeReply = 8,
    /// <summary>H→W, compile workers only: a JSON compile request (the agent's files and the gate policy).</summary>
    Compile = 9,
    /// <summary>W→H, compile workers only: <c>[int32 metaLength][compile reply JSON][image bytes]</c>.</summary>
    Compiled = 10,
    /// <summary>H→W, evaluator workers only: a JSON evaluator request (load a package, or score one answer).</summary>
    Evaluate = 11,
    /// <summary>W→H, evaluator workers only: a JSON evaluator reply.</summary>
    Evaluated = 12,
}

/// <summary>Length-prefixed frames: <c>[int32 LE body length][byte type][body]</c>.</summary>
internal static class Frames
{
    public const int HeaderSize = 5;

    /// <summary>Protocol version exchanged in <see cref="WorkerHello"/>. 2: one job per worker, no unload report.</summary>
    public const int ProtocolVersion = 2;

    public static byte[] Header(FrameType type, int bodyLength)
    {
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, bodyLength);
        header[4] = (byte)type;
        return header;
    }

    public static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Writes one frame made of several body segments, then flushes.</summary>
    public static async ValueTask WriteAsync(Stream stream, FrameType type, IReadOnlyList<ReadOnlyMemory<byte>> body, CancellationToken cancellationToken)
    {
        long length = 0;
        foreach (var segment in body)
        {
            length += segment.Length;
        }

        if (length > int.MaxValue - HeaderSize)
        {
            throw new InvalidOperationException($"A frame of {length} bytes is too large for the worker protocol.");
        }

        await stream.WriteAsync(Header(type, (int)length), cancellationToken).ConfigureAwait(false);
        foreach (var segment in body)
        {
            await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one frame synchronously (worker side, under the caller's lock), then flushes.</summary>
    public static void Write(Stream stream, FrameType type, params ReadOnlySpan<byte[]> body)
    {
        long length = 0;
        foreach (var segment in body)
        {
            length += segment.Length;
        }

        stream.Write(Header(type, checked((int)length)));
        foreach (var segment in body)
        {
            stream.Write(segment);
        }

        stream.Flush();
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes. Returns false on a clean end of stream before the
    /// first byte; throws <see cref="EndOfStreamException"/> when the stream ends part-way.</summary>
    public static async ValueTask<bool> TryReadExactlyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return read == 0 ? false : throw new EndOfStreamException("The pipe ended in the middle of a frame.");
            }

            read += n;
        }

        return true;
    }

    /// <summary>Synchronous <see cref="TryReadExactlyAsync"/> for the worker's reader thread.</summary>
    public static bool TryReadExactly(Stream stream, Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = stream.Read(buffer[read..]);
            if (n == 0)
            {
                return read == 0 ? false : throw new EndOfStreamException("The pipe ended in the middle of a frame.");
            }

            read += n;
        }

        return true;
    }

    /// <summary>Reads and discards <paramref name="count"/> bytes without buffering them.</summary>
    public static async ValueTask DrainAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        var scratch = new byte[64 * 1024];
        while (count > 0)
        {
            var n = await stream.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, count)), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException("The pipe ended in the middle of a frame.");
            }

            count -= n;
        }
    }
}
