using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Hyperagents;

// Every process-wide mutable thing agent code can reach from the BCL and the SDK, one row each: Mutate changes it,
// Observe reports it. SolveTask with task id "mutate" (and ModifySelf) mutates first; any other id only observes.
// Audited against sandbox/policy.txt: every static setter, writable static field and static event of an allowed type
// (CultureInfo.CurrentCulture, CurrentUICulture, DefaultThreadCurrentCulture, DefaultThreadCurrentUICulture,
// Regex.CacheSize), plus the static singletons and methods that change process state (shared pools, interning, encoding
// providers, locks on shared objects). Some of these the gate denies as well; the runner must not depend on that.
public static class Agent
{
    // The test compiles a second variant of this file with another value here.
    private const string Variant = "A";

    public static async Task<string> SolveTask(TaskContext context)
    {
        if (context.Task.Id == "mutate")
        {
            Mutate();
        }

        return await ObserveAsync();
    }

    public static async Task ModifySelf(MetaContext context)
    {
        Mutate();
        await context.Workspace.WriteAsync("observed.txt", await ObserveAsync());
    }

    private static void Mutate()
    {
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo.CurrentCulture = comma;
        CultureInfo.CurrentUICulture = comma;
        CultureInfo.DefaultThreadCurrentCulture = comma;
        CultureInfo.DefaultThreadCurrentUICulture = comma;
        Dirty(ArrayPool<byte>.Shared, 100_000, (byte)0xA5);
        Dirty(ArrayPool<char>.Shared, 50_000, 'Ω');
        Dirty(ArrayPool<int>.Shared, 70_000, 0x5EED);
        Dirty(ArrayPool<string>.Shared, 9_000, "left by " + Variant);
        using (var owner = MemoryPool<byte>.Shared.Rent(300_000))
        {
            owner.Memory.Span.Fill(0x5A);
        }

        string.Intern(Marker());
        Regex.CacheSize = 3;
        Encoding.RegisterProvider(new Provider());
        Monitor.Enter(typeof(CultureInfo));
    }

    private static async Task<string> ObserveAsync()
    {
        var rows = new List<string>
        {
            "CultureInfo.CurrentCulture=" + 1.5.ToString(),
            "CultureInfo.CurrentUICulture=" + CultureInfo.CurrentUICulture.NumberFormat.NumberDecimalSeparator,
            "CultureInfo.DefaultThreadCurrentCulture=" + (CultureInfo.DefaultThreadCurrentCulture?.NumberFormat.NumberDecimalSeparator ?? "unset"),
            "CultureInfo.DefaultThreadCurrentUICulture=" + (CultureInfo.DefaultThreadCurrentUICulture?.NumberFormat.NumberDecimalSeparator ?? "unset"),
            "ArrayPool<byte>.Shared=" + Seen(ArrayPool<byte>.Shared, 100_000, (byte)0xA5),
            "ArrayPool<char>.Shared=" + Seen(ArrayPool<char>.Shared, 50_000, 'Ω'),
            "ArrayPool<int>.Shared=" + Seen(ArrayPool<int>.Shared, 70_000, 0x5EED),
            "ArrayPool<string>.Shared=" + Seen(ArrayPool<string>.Shared, 9_000, null),
            "MemoryPool<byte>.Shared=" + SeenMemoryPool(),
            "string.Intern=" + (string.IsInterned(Marker()) is null ? "not interned" : "interned"),
            "Regex.CacheSize=" + Regex.CacheSize.ToString(CultureInfo.InvariantCulture),
            "Encoding.RegisterProvider=" + KnownEncoding(),
        };

        // On a pool thread: a lock the first call took on a shared object and never released would still be held.
        await Task.Yield();
        var free = Monitor.TryEnter(typeof(CultureInfo));
        if (free)
        {
            Monitor.Exit(typeof(CultureInfo));
        }

        rows.Add("Monitor.Enter(shared object)=" + (free ? "free" : "held"));
        return string.Join("\n", rows);
    }

    private static void Dirty<T>(ArrayPool<T> pool, int length, T value)
    {
        var array = pool.Rent(length);
        Array.Fill(array, value);
        pool.Return(array);
    }

    // A left-over value (or, for references, any non-null slot) in a freshly rented array.
    private static string Seen<T>(ArrayPool<T> pool, int length, T? value)
    {
        var array = pool.Rent(length);
        var dirty = Array.Exists(array, item => value is null ? item is not null : EqualityComparer<T>.Default.Equals(item, value));
        pool.Return(array);
        return dirty ? "left-over data" : "clean";
    }

    private static string SeenMemoryPool()
    {
        using var owner = MemoryPool<byte>.Shared.Rent(300_000);
        return owner.Memory.Span.IndexOf((byte)0x5A) >= 0 ? "left-over data" : "clean";
    }

    private static string KnownEncoding()
    {
        try
        {
            return Encoding.GetEncoding("x-hyperagents-test").WebName;
        }
        catch (ArgumentException)
        {
            return "unknown";
        }
    }

    // Built at run time: a literal would be interned by the loader in every call.
    private static string Marker() => string.Concat("hyperagents-", "interned-", "marker-", 1234.ToString(CultureInfo.InvariantCulture));

    private sealed class Provider : EncodingProvider
    {
        public override Encoding? GetEncoding(int codepage) => null;

        public override Encoding? GetEncoding(string name) => name == "x-hyperagents-test" ? Encoding.UTF8 : null;
    }
}
