using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Hyperagents.Hosting;
using Hyperagents.Transport;
using Wasmtime;

namespace Hyperagents.Sandbox;

/// <summary>Access to a VM's linear memory: every pointer and length bounds-checked against the memory's current size,
/// and a reader of the guest's state bytes that checks every length against its cap.</summary>
internal sealed partial class GuestVm
{
    internal Span<byte> Read(int pointer, int length)
    {
        var address = (uint)pointer;
        if (length < 0 || address + (ulong)length > (ulong)_memory.GetLength())
        {
            throw Protocol($"out-of-bounds access [{address}, +{length})");
        }

        return length == 0 ? Span<byte>.Empty : _memory.GetSpan(address, length);
    }

    private int Malloc(int size)
    {
        var pointer = _malloc(size);
        if (pointer == 0)
        {
            throw Protocol($"the guest could not allocate {size} bytes");
        }

        _ = Read(pointer, size);
        return pointer;
    }

    private int Copy(byte[] bytes)
    {
        var pointer = Malloc(Math.Max(1, bytes.Length));
        bytes.CopyTo(Read(pointer, bytes.Length));
        return pointer;
    }

    private int CString(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        return Copy(bytes);
    }

    private ref struct StateReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public byte Byte() => _at < _data.Length ? _data[_at++] : throw new GuestProtocolException("truncated state");

        public int Int()
        {
            if (_at + 4 > _data.Length)
            {
                throw new GuestProtocolException("truncated state");
            }

            var value = BinaryPrimitives.ReadInt32LittleEndian(_data[_at..]);
            _at += 4;
            return value;
        }

        public byte[] Block(int max)
        {
            var length = Int();
            if (length < 0 || length > max || _at + length > _data.Length)
            {
                throw new GuestProtocolException($"a block of {length} bytes (cap {max})");
            }

            var block = _data.Slice(_at, length).ToArray();
            _at += length;
            return block;
        }

        public readonly void End()
        {
            if (_at != _data.Length)
            {
                throw new GuestProtocolException("trailing bytes in state");
            }
        }
    }
}
