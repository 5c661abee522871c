using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;

namespace Hyperagents.Transport;

/// <summary>A chain of C# script submissions as one agent image: the libraries they reference (an agent's own
/// assembly) and every submission's assembly, in order. The native worker and the sandbox bootstrap run it the same way
/// (<see cref="AgentInvoker.RunScriptAsync"/>).</summary>
/// <remarks>A call runs in a fresh isolate, so the state a submission left behind cannot be kept: every earlier
/// submission runs again, quietly (console output and log lines dropped), before the last one, whose value is the
/// answer. Roslyn's scripting runtime would do this in the host process; here it runs wherever agent code runs.</remarks>
public static class ScriptBundle
{
    private static ReadOnlySpan<byte> Magic => "HYPERAGENTS-SCRIPT-1\n"u8;

    /// <summary>Whether an image is a script bundle rather than an agent assembly.</summary>
    /// <param name="image">The image.</param>
    public static bool IsBundle(ReadOnlySpan<byte> image) => image.StartsWith(Magic);

    /// <summary>Packs a chain into one image.</summary>
    /// <param name="libraries">Assemblies the submissions reference, loaded first (none, or an agent's assembly).</param>
    /// <param name="submissions">The submissions' assemblies, first to last.</param>
    public static byte[] Pack(IReadOnlyList<byte[]> libraries, IReadOnlyList<byte[]> submissions)
    {
        ArgumentNullException.ThrowIfNull(libraries);
        ArgumentNullException.ThrowIfNull(submissions);
        using var stream = new MemoryStream();
        stream.Write(Magic);
        Span<byte> number = stackalloc byte[4];
        foreach (var list in new[] { libraries, submissions })
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, list.Count);
            stream.Write(number);
            foreach (var image in list)
            {
                BinaryPrimitives.WriteInt32LittleEndian(number, image.Length);
                stream.Write(number);
                stream.Write(image);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Unpacks a chain.</summary>
    /// <param name="bundle">An image for which <see cref="IsBundle"/> holds.</param>
    /// <exception cref="InvalidDataException">The bundle is malformed.</exception>
    public static (IReadOnlyList<byte[]> Libraries, IReadOnlyList<byte[]> Submissions) Unpack(byte[] bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        if (!IsBundle(bundle))
        {
            throw new InvalidDataException("Not a script bundle.");
        }

        var at = Magic.Length;
        var lists = new List<byte[]>[2];
        for (var l = 0; l < 2; l++)
        {
            var count = Read(bundle, ref at);
            lists[l] = new List<byte[]>(Math.Min(count, 1024));
            for (var i = 0; i < count; i++)
            {
                var length = Read(bundle, ref at);
                if (length < 0 || length > bundle.Length - at)
                {
                    throw new InvalidDataException("Truncated script bundle.");
                }

                lists[l].Add(bundle.AsSpan(at, length).ToArray());
                at += length;
            }
        }

        return (lists[0], lists[1]);
    }

    private static int Read(byte[] bundle, ref int at)
    {
        if (at > bundle.Length - 4)
        {
            throw new InvalidDataException("Truncated script bundle.");
        }

        var value = BinaryPrimitives.ReadInt32LittleEndian(bundle.AsSpan(at));
        at += 4;
        return value;
    }

    /// <summary>Shows a submission's value as invariant text: at most <see cref="MaxValueChars"/> characters, sequences
    /// as <c>[a, b]</c> up to 1,000 items and 6 levels deep, cycles as <c>[…]</c>.</summary>
    /// <param name="value">The value.</param>
    public static string Show(object? value)
    {
        var text = new StringBuilder();
        Append(text, value, 0, []);
        return text.Length > MaxValueChars ? text.ToString(0, MaxValueChars - 1) + "…" : text.ToString();
    }

    /// <summary>The longest value <see cref="Show"/> returns, in characters.</summary>
    public const int MaxValueChars = 16 * 1024;

    private static void Append(StringBuilder text, object? value, int depth, List<object> open)
    {
        if (text.Length > MaxValueChars)
        {
            return;
        }

        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case string s:
                text.Append(s);
                return;
            case bool b:
                text.Append(b ? "true" : "false");
                return;
            case char c:
                text.Append(c);
                return;
            case IFormattable formattable:
                text.Append(formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture));
                return;
            case System.Collections.IEnumerable items:
                if (depth >= 6 || open.Exists(o => ReferenceEquals(o, value)))
                {
                    text.Append("[…]");
                    return;
                }

                open.Add(value);
                text.Append('[');
                var count = 0;
                foreach (var item in items)
                {
                    if (count == 1000 || text.Length > MaxValueChars)
                    {
                        text.Append(", …");
                        break;
                    }

                    if (count++ > 0)
                    {
                        text.Append(", ");
                    }

                    Append(text, item, depth + 1, open);
                }

                text.Append(']');
                open.RemoveAt(open.Count - 1);
                return;
            default:
                text.Append(value.ToString());
                return;
        }
    }
}

/// <summary>The load context of one script chain: the SDK is the caller's copy; the chain's own assemblies resolve to
/// each other by name (a submission references the ones before it and the agent's assembly).</summary>
internal sealed class ScriptLoadContext() : AssemblyLoadContext("script", isCollectible: false)
{
    private static readonly Assembly Sdk = typeof(TaskContext).Assembly;
    private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.Ordinal);

    public Assembly Add(byte[] image)
    {
        using var stream = new MemoryStream(image, writable: false);
        var assembly = LoadFromStream(stream);
        _loaded[assembly.GetName().Name ?? string.Empty] = assembly;
        return assembly;
    }

    protected override Assembly? Load(AssemblyName assemblyName) =>
        string.Equals(assemblyName.Name, Sdk.GetName().Name, StringComparison.Ordinal) ? Sdk
        : assemblyName.Name is { } name && _loaded.TryGetValue(name, out var own) ? own
        : null;
}

/// <summary>A channel that drops log lines while earlier submissions run again.</summary>
internal sealed class ReplayChannel(IHostChannel inner) : IHostChannel
{
    private static readonly byte[] AckReply = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Ack(), SdkJson.Default.Ack);

    public bool Quiet { get; set; }

    public ValueTask<byte[]> CallAsync(string capability, byte[] request) =>
        Quiet && capability == Capabilities.Log ? ValueTask.FromResult(AckReply) : inner.CallAsync(capability, request);
}
