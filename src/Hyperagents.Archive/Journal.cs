using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hyperagents.Archive;

/// <summary>One record of the journal. Short property names keep 100,000 variants small.</summary>
internal sealed record JournalRecord
{
    /// <summary><c>R</c> run created, <c>V</c> variant, <c>E</c> evaluation, <c>M</c> mark, <c>B</c> best.</summary>
    [JsonPropertyName("t")] public required string Type { get; init; }

    /// <summary>The commit the record is about (manifest, variant).</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    [JsonPropertyName("p")] public string? Parent { get; init; }
    [JsonPropertyName("g")] public int Generation { get; init; }
    [JsonPropertyName("n")] public long Sequence { get; init; }
    [JsonPropertyName("s")] public VariantState State { get; init; }
    [JsonPropertyName("r")] public string? Reason { get; init; }

    /// <summary>For <c>E</c> and <c>M</c>: the notes commit that holds the note.</summary>
    [JsonPropertyName("c")] public string? NotesCommit { get; init; }

    /// <summary>For <c>E</c>: the evaluation's score per split.</summary>
    [JsonPropertyName("sc")] public Dictionary<string, double>? Scores { get; init; }

    /// <summary>For <c>B</c>: the score the caller ranked by.</summary>
    [JsonPropertyName("v")] public double? Value { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class JournalJson : JsonSerializerContext;

/// <summary>
/// The append-only journal of acknowledged writes: <c>[u32 length][JSON payload][SHA-256 chain]</c> records after an
/// 8-byte magic, each chain value hashing the previous one with the record, fsync'd before the write is acknowledged.
/// </summary>
/// <remarks>
/// It is the acknowledgement log git is checked against, so it is never rebuilt behind the user's back. A torn tail (a
/// crash mid-append: at most one final record, incomplete, unreadable or zero-filled) fails its checksum and is cut by
/// the next opener or writer (threat C6). Anything else that fails (a bad record with more data after it, a wrong
/// magic) is <see cref="Damage"/>: left in place as evidence, and the run fails verification (threat C7).
/// </remarks>
internal sealed class Journal
{
    private static readonly byte[] Magic = "HAJRNL01"u8.ToArray();
    private static readonly byte[] Genesis = SHA256.HashData("hyperagents-journal"u8);

    /// <summary>The largest record a writer produces is far smaller; a length field above it is not a torn append.</summary>
    private const int MaxRecordBytes = 1 << 20;
    private readonly string _path;
    private long _validLength;
    private byte[] _chain = Genesis;
    private long _lastStart = -1;
    private byte[] _chainBeforeLast = Genesis;

    public Journal(string path) => _path = path;

    /// <summary>The hex hash-chain head after the last valid record read or written.</summary>
    public string Head => Convert.ToHexStringLower(_chain);

    /// <summary>Where the valid records end.</summary>
    public long ValidLength => _validLength;

    /// <summary>Whether a torn tail was found after the valid records by the last read.</summary>
    public bool TornTail { get; private set; }

    public bool Exists => File.Exists(_path);

    /// <summary>How many valid records were read or written.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Why the journal cannot be trusted past <see cref="ValidLength"/> (a bad record followed by more data, or a wrong
    /// magic), or <see langword="null"/>. Unlike a torn tail it is never cut.
    /// </summary>
    public string? Damage { get; private set; }

    /// <summary>The chain head of the empty journal (no records).</summary>
    public static string GenesisHead => Convert.ToHexStringLower(Genesis);

    /// <summary>Reads the records appended since the last call (by anyone); stops at a torn or corrupt record.</summary>
    public List<JournalRecord> ReadNew()
    {
        var records = new List<JournalRecord>();
        if (!File.Exists(_path))
        {
            return records;
        }

        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        var length = stream.Length;
        if (_validLength == 0)
        {
            if (length < Magic.Length)
            {
                TornTail = length > 0;
                return records;
            }

            Span<byte> magic = stackalloc byte[8];
            stream.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic))
            {
                Damage = "it does not start with the journal's magic bytes (not a Hyperagents journal, or overwritten)";
                return records;
            }

            _validLength = Magic.Length;
        }
        else if (Damage is not null)
        {
            return records;
        }

        stream.Position = _validLength;
        var buffer = new byte[length - _validLength];
        stream.ReadExactly(buffer);
        var offset = 0;
        TornTail = false;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        while (offset < buffer.Length)
        {
            if (buffer.Length - offset < 4)
            {
                Stop(buffer.AsSpan(offset), hashMatched: false);
                break;
            }

            var size = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
            if (size <= 0 || size > buffer.Length - offset - 4 - 32)
            {
                Stop(buffer.AsSpan(offset), hashMatched: false);
                break;
            }

            var payload = buffer.AsSpan(offset + 4, size);
            hash.AppendData(_chain);
            hash.AppendData(buffer, offset, 4 + size);
            var next = hash.GetHashAndReset();
            if (!next.AsSpan().SequenceEqual(buffer.AsSpan(offset + 4 + size, 32)))
            {
                Stop(buffer.AsSpan(offset), hashMatched: false);
                break;
            }

            JournalRecord? record;
            try
            {
                record = Parse(payload);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                record = null;
            }

            if (record is null)
            {
                Stop(buffer.AsSpan(offset), hashMatched: true);
                break;
            }

            records.Add(record);
            Count++;
            _lastStart = _validLength;
            _chainBeforeLast = _chain;
            _chain = next;
            _heads?.Add(Convert.ToHexStringLower(next));
            offset += 4 + size + 32;
            _validLength += 4 + size + 32;
        }

        return records;
    }

    /// <summary>
    /// Classifies the bytes after the last valid record: one torn final append (what a crash leaves: shorter than its
    /// frame, or exactly one frame that fails its checksum, or zeros) is <see cref="TornTail"/>; anything else is
    /// <see cref="Damage"/>.
    /// </summary>
    private void Stop(ReadOnlySpan<byte> rest, bool hashMatched)
    {
        var torn = !hashMatched && (rest.Length < 4
            || rest.IndexOfAnyExcept((byte)0) < 0
            || BinaryPrimitives.ReadInt32LittleEndian(rest) is > 0 and <= MaxRecordBytes and var size && rest.Length <= 4 + size + 32);
        if (torn)
        {
            TornTail = true;
        }
        else
        {
            Damage = hashMatched
                ? $"record {Count + 1} (byte {_validLength}) has a valid checksum but is not a journal record"
                : $"record {Count + 1} (byte {_validLength}) fails its checksum and more than one record's worth of data follows it ({rest.Length} bytes to the end), which no crash leaves: records were edited, inserted or removed";
        }
    }

    /// <summary>
    /// How many records follow the point where the chain head was <paramref name="head"/>: 0 when it is the current
    /// head, -1 when the valid records never had it. Reads the file from the start.
    /// </summary>
    public long RecordsAfterHead(string head)
    {
        var scan = new Journal(_path) { _heads = [] };
        scan.ReadNew();
        var at = string.Equals(head, GenesisHead, StringComparison.OrdinalIgnoreCase) ? 0
            : scan._heads.FindIndex(h => string.Equals(h, head, StringComparison.OrdinalIgnoreCase)) + 1;
        return at == 0 && !string.Equals(head, GenesisHead, StringComparison.OrdinalIgnoreCase) ? -1 : scan.Count - at;
    }

    /// <summary>When set, every chain value read is collected (for <see cref="RecordsAfterHead"/>).</summary>
    private List<string>? _heads;

    /// <summary>Cuts a torn tail off. Only under the run's write lock, after <see cref="ReadNew"/>.</summary>
    public void TruncateTornTail()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        using var stream = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length > _validLength)
        {
            stream.SetLength(Math.Max(_validLength, 0));
            if (_validLength == 0)
            {
                stream.Write(Magic);
                _validLength = Magic.Length;
            }

            stream.Flush(flushToDisk: true);
        }

        TornTail = false;
    }

    /// <summary>Appends records durably: written in one call, then fsync'd. Only under the run's write lock.</summary>
    /// <remarks>On failure (e.g. disk full) the file is cut back to its previous length, so no partial record stays.</remarks>
    public void Append(IReadOnlyList<JournalRecord> records, bool fsync)
    {
        using var bytes = new MemoryStream();
        var chain = _chain;
        foreach (var record in records)
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(record, JournalJson.Default.JournalRecord);
            var framed = new byte[4 + payload.Length];
            BinaryPrimitives.WriteInt32LittleEndian(framed, payload.Length);
            payload.CopyTo(framed, 4);
            chain = Chain(chain, framed);
            bytes.Write(framed);
            bytes.Write(chain);
        }

        var fresh = !File.Exists(_path);
        using var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        if (fresh || stream.Length == 0)
        {
            stream.Write(Magic);
            _validLength = Magic.Length;
        }
        else if (stream.Length != _validLength)
        {
            throw new InvalidOperationException("journal changed under the write lock");
        }

        try
        {
            stream.Position = _validLength;
            stream.Write(bytes.GetBuffer(), 0, (int)bytes.Length);
            stream.Flush(flushToDisk: fsync);
        }
        catch
        {
            try
            {
                stream.SetLength(_validLength);
                stream.Flush(flushToDisk: fsync);
            }
            catch (IOException)
            {
                // The next writer truncates the torn tail by checksum.
            }

            throw;
        }

        if (records.Count == 1)
        {
            _lastStart = _validLength;
            _chainBeforeLast = _chain;
        }

        _validLength += bytes.Length;
        _chain = chain;
        Count += records.Count;
        if (fresh && fsync)
        {
            Durable.FsyncDirectory(Path.GetDirectoryName(_path)!);
        }
    }

    /// <summary>Cuts the last record off (a write whose objects did not survive), then rewinds to read from the start.</summary>
    public void DropLastRecord()
    {
        if (_lastStart < Magic.Length)
        {
            return;
        }

        using (var stream = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            stream.SetLength(_lastStart);
            stream.Flush(flushToDisk: true);
        }

        Rewind();
    }

    /// <summary>Forgets what was read so the next <see cref="ReadNew"/> starts from the first record.</summary>
    public void Rewind()
    {
        _validLength = 0;
        Count = 0;
        Damage = null;
        _chain = Genesis;
        _lastStart = -1;
        _chainBeforeLast = Genesis;
        TornTail = false;
    }

    /// <summary>Writes a whole new journal atomically (temp file, fsync, rename).</summary>
    public void Rewrite(IReadOnlyList<JournalRecord> records, bool fsync)
    {
        var temp = _path + ".rebuild";
        File.Delete(temp);
        var fresh = new Journal(temp);
        fresh.Append(records, fsync);
        File.Move(temp, _path, overwrite: true);
        if (fsync)
        {
            Durable.FsyncDirectory(Path.GetDirectoryName(_path)!);
        }

        _validLength = fresh._validLength;
        _chain = fresh._chain;
        Count = fresh.Count;
        Damage = null;
        TornTail = false;
    }

    /// <summary>Reads a record without the serializer: opening a 100,000-variant run replays 200,000 of them.</summary>
    internal static JournalRecord? Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string? type = null, id = null, parent = null, reason = null, notes = null;
        int generation = 0;
        long sequence = 0;
        var state = VariantState.Accepted;
        double? value = null;
        Dictionary<string, double>? scores = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Property names compared as UTF-8, not materialised: this loop runs 200,000 times on a big run's open.
            if (reader.ValueTextEquals("t"u8)) { reader.Read(); type = reader.GetString(); }
            else if (reader.ValueTextEquals("id"u8)) { reader.Read(); id = reader.GetString(); }
            else if (reader.ValueTextEquals("p"u8)) { reader.Read(); parent = reader.GetString(); }
            else if (reader.ValueTextEquals("r"u8)) { reader.Read(); reason = reader.GetString(); }
            else if (reader.ValueTextEquals("c"u8)) { reader.Read(); notes = reader.GetString(); }
            else if (reader.ValueTextEquals("g"u8)) { reader.Read(); generation = reader.GetInt32(); }
            else if (reader.ValueTextEquals("n"u8)) { reader.Read(); sequence = reader.GetInt64(); }
            else if (reader.ValueTextEquals("v"u8)) { reader.Read(); value = reader.TokenType == JsonTokenType.Null ? null : reader.GetDouble(); }
            else if (reader.ValueTextEquals("s"u8))
            {
                reader.Read();
                state = reader.ValueTextEquals("accepted"u8) ? VariantState.Accepted
                    : reader.ValueTextEquals("rejected"u8) ? VariantState.Rejected
                    : reader.ValueTextEquals("failed"u8) ? VariantState.Failed
                    : throw new FormatException("unknown variant state");
            }
            else if (reader.ValueTextEquals("sc"u8))
            {
                reader.Read();
                scores = new Dictionary<string, double>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var split = reader.GetString()!;
                    reader.Read();
                    scores[split] = reader.GetDouble();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return type is null || id is null
            ? null
            : new JournalRecord
            {
                Type = type, Id = id, Parent = parent, Generation = generation, Sequence = sequence, State = state,
                Reason = reason, NotesCommit = notes, Scores = scores, Value = value,
            };
    }

    private static byte[] Chain(byte[] previous, ReadOnlySpan<byte> framed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        hash.AppendData(framed);
        return hash.GetHashAndReset();
    }
}

/// <summary>fsync helpers the BCL lacks.</summary>
internal static class Durable
{
    /// <summary>Opens a folder for <see cref="SyncFileSystem"/>; -1 where unsupported.</summary>
    public static int OpenForSync(string directory) =>
        OperatingSystem.IsLinux() ? Open(directory, 0x10000 /* O_DIRECTORY */) : -1;

    /// <summary>Flushes the whole file system holding <paramref name="fd"/> to stable storage.</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public static void SyncFileSystem(int fd)
    {
        if (fd < 0 || SyncFs(fd) != 0)
        {
            throw new IOException($"syncfs failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}); the last write may not be durable.");
        }
    }

    /// <summary>Closes a descriptor from <see cref="OpenForSync"/>.</summary>
    public static void CloseSync(int fd)
    {
        if (fd >= 0)
        {
            _ = Close(fd);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFs(int fd);

    /// <summary>fsyncs a directory so a rename or create in it survives a crash (no-op where unsupported).</summary>
    public static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Some file systems refuse to open or sync directories; the file's own fsync still holds then.
        var fd = Open(directory, 0x10000 /* O_DIRECTORY */);
        if (fd >= 0)
        {
            _ = Fsync(fd);
            _ = Close(fd);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
