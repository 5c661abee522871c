namespace Hyperagents.Sandbox;

/// <summary>Builds a copy of the runtime module whose initial linear memory is a booted VM's memory (the technique of
/// Wizer): the memory section's minimum becomes the snapshot's size and the snapshot's non-zero 4 KiB pages become
/// active data segments. Every other section is copied byte for byte, so imports, exports, code, tables and globals are
/// unchanged; the original data segments are kept as empty segments so that segment indices in code stay valid.
/// Wasmtime maps such an image copy-on-write, so a fresh instance starts as a booted, warmed VM without running code
/// or copying memory.</summary>
internal static class SnapshotBuilder
{
    private const int GranuleBytes = 4096;

    public static byte[] Build(byte[] original, ReadOnlySpan<byte> memory)
    {
        if (original.Length < 8 || original[0] != 0 || original[1] != (byte)'a' || original[2] != (byte)'s' || original[3] != (byte)'m')
        {
            throw new InvalidDataException("not a wasm module");
        }

        var output = new MemoryStream(original.Length + memory.Length / 2);
        output.Write(original, 0, 8);
        var at = 8;
        var sawMemory = false;
        var sawData = false;
        while (at < original.Length)
        {
            var id = original[at];
            var (size, bodyStart) = ReadLeb(original, at + 1);
            var body = original.AsSpan(bodyStart, (int)size);
            switch (id)
            {
                case 5:
                    WriteSection(output, 5, MemorySection(body, memory.Length));
                    sawMemory = true;
                    break;
                case 11:
                    var (segments, _) = ReadLeb(body, 0);
                    WriteSection(output, 11, DataSection((int)segments, memory, out _));
                    sawData = true;
                    break;
                case 12:
                    var (originalCount, _) = ReadLeb(body, 0);
                    DataSection(0, memory, out var added);
                    WriteSection(output, 12, Leb((ulong)originalCount + (ulong)added));
                    break;
                default:
                    output.Write(original, at, bodyStart - at + (int)size);
                    break;
            }

            at = bodyStart + (int)size;
        }

        if (!sawMemory || !sawData)
        {
            throw new InvalidDataException("the module has no memory or data section");
        }

        return output.ToArray();
    }

    private static byte[] MemorySection(ReadOnlySpan<byte> body, int memoryBytes)
    {
        var (count, at) = ReadLeb(body, 0);
        var flags = body[at];
        if (count != 1 || (flags & ~1) != 0)
        {
            throw new InvalidDataException($"unexpected memory section (count {count}, flags {flags})");
        }

        var (_, afterMin) = ReadLeb(body, at + 1);
        var section = new MemoryStream();
        section.Write(Leb(1));
        section.WriteByte(flags);
        section.Write(Leb((ulong)(memoryBytes / 65536)));
        if ((flags & 1) != 0)
        {
            var (max, _) = ReadLeb(body, afterMin);
            section.Write(Leb(max));
        }

        return section.ToArray();
    }

    private static byte[] DataSection(int originalSegments, ReadOnlySpan<byte> memory, out int added)
    {
        var segments = new MemoryStream();
        for (var i = 0; i < originalSegments; i++)
        {
            // active, memory 0, offset i32.const 0, no bytes
            segments.Write([0x00, 0x41, 0x00, 0x0B, 0x00]);
        }

        added = 0;
        var granule = 0;
        var granules = memory.Length / GranuleBytes;
        while (granule < granules)
        {
            if (memory.Slice(granule * GranuleBytes, GranuleBytes).IndexOfAnyExcept((byte)0) < 0)
            {
                granule++;
                continue;
            }

            var first = granule;
            while (granule < granules && memory.Slice(granule * GranuleBytes, GranuleBytes).IndexOfAnyExcept((byte)0) >= 0)
            {
                granule++;
            }

            var offset = first * GranuleBytes;
            var bytes = memory.Slice(offset, (granule - first) * GranuleBytes);
            segments.WriteByte(0x00);
            segments.WriteByte(0x41);
            segments.Write(SignedLeb(offset));
            segments.WriteByte(0x0B);
            segments.Write(Leb((ulong)bytes.Length));
            segments.Write(bytes);
            added++;
        }

        var section = new MemoryStream();
        section.Write(Leb((ulong)(originalSegments + added)));
        segments.Position = 0;
        segments.CopyTo(section);
        return section.ToArray();
    }

    private static void WriteSection(Stream output, byte id, byte[] body)
    {
        output.WriteByte(id);
        output.Write(Leb((ulong)body.Length));
        output.Write(body);
    }

    private static (ulong Value, int Next) ReadLeb(ReadOnlySpan<byte> bytes, int at)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return (value, at);
            }

            shift += 7;
            if (shift > 63)
            {
                throw new InvalidDataException("malformed LEB128");
            }
        }
    }

    private static byte[] Leb(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    private static byte[] SignedLeb(int value)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            var done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
            bytes.Add(done ? b : (byte)(b | 0x80));
            if (done)
            {
                return [.. bytes];
            }
        }
    }
}
