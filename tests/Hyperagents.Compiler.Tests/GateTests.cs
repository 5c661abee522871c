using Xunit;

namespace Hyperagents.Compiler.Tests;

/// <summary>The gate sees what the compiler synthesises, judges by symbol identity, and its IL half works on its own.</summary>
public sealed class GateTests
{
    private static CompileDiagnostic Single(CompileResult result, string id, string symbol)
    {
        var matches = result.Report.Diagnostics.Where(d => d.Id == id && d.Message.Contains(symbol, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count > 0, $"no {id} naming '{symbol}'; got:{Environment.NewLine}{string.Join(Environment.NewLine, result.Report.Diagnostics)}");
        return matches[0];
    }

    private static void At(CompileResult result, string id, string symbol, int line) =>
        Assert.True(
            result.Report.Diagnostics.Any(d => d.Id == id && d.Line == line && d.Message.Contains(symbol, StringComparison.Ordinal)),
            $"no {id} naming '{symbol}' at line {line}; got:{Environment.NewLine}{string.Join(Environment.NewLine, result.Report.Diagnostics)}");

    [Fact]
    public void Foreach_GetEnumerator_of_a_denied_member_is_seen()
    {
        var compiler = Some.WithExtraPolicy("deny member System.Collections.Generic.List.GetEnumerator");
        var result = compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static int Sum(List<int> items)
                {
                    var total = 0;
                    foreach (var item in items)
                    {
                        total += item;
                    }

                    return total;
                }
            }
            """));
        var diagnostic = Single(result, "HA0001", "System.Collections.Generic.List<T>.GetEnumerator()");
        Assert.Equal(8, diagnostic.Line);
        Assert.Contains("deny member System.Collections.Generic.List.GetEnumerator", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Using_Dispose_is_seen()
    {
        var compiler = Some.WithExtraPolicy("deny member System.IDisposable.Dispose");
        var result = compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static long Length()
                {
                    using var stream = new System.IO.MemoryStream();
                    return stream.Length;
                }
            }
            """));
        At(result, "HA0001", "System.IDisposable.Dispose()", 7);
    }

    [Fact]
    public void Interpolated_string_handler_calls_are_seen()
    {
        var compiler = Some.WithExtraPolicy("deny member System.Runtime.CompilerServices.DefaultInterpolatedStringHandler.AppendFormatted");
        var result = compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static string Show(int x) => $"x = {x}";
            }
            """));
        At(result, "HA0001", "DefaultInterpolatedStringHandler.AppendFormatted", 5);
    }

    [Fact]
    public void Await_GetAwaiter_and_GetResult_are_seen()
    {
        var compiler = Some.WithExtraPolicy("deny member System.Runtime.CompilerServices.TaskAwaiter.GetResult");
        var result = compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static async Task<int> Twice(Task<int> value)
                {
                    return 2 * await value;
                }
            }
            """));
        At(result, "HA0001", "System.Runtime.CompilerServices.TaskAwaiter<TResult>.GetResult()", 7);
    }

    [Fact]
    public void Linq_query_syntax_resolves_to_the_Select_it_calls()
    {
        var compiler = Some.WithExtraPolicy("deny member System.Linq.Enumerable.Select");
        var result = compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static IEnumerable<int> Doubled(int[] items) =>
                    from x in items select x * 2;
            }
            """));
        At(result, "HA0001", "System.Linq.Enumerable.Select", 6);
    }

    [Fact]
    public void Collection_initialiser_Add_deconstruction_and_target_typed_new_are_seen()
    {
        var compiler = Some.WithExtraPolicy("""
            deny member System.Collections.Generic.HashSet.Add
            deny member System.Collections.Generic.KeyValuePair.Deconstruct
            deny member System.Text.StringBuilder..ctor
            """);
        var result = compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static int Run(Dictionary<string, int> map)
                {
                    var set = new HashSet<int> { 1, 2 };
                    StringBuilder sb = new();
                    foreach (var (key, value) in map)
                    {
                        sb.Append(key);
                    }

                    return set.Count + sb.Length;
                }
            }
            """));
        At(result, "HA0001", "System.Collections.Generic.HashSet<T>.Add(T)", 7);
        At(result, "HA0001", "System.Text.StringBuilder.StringBuilder()", 8);
        At(result, "HA0001", "KeyValuePair<TKey, TValue>.Deconstruct", 9);
    }

    [Fact]
    public void User_defined_operators_and_conversions_of_metadata_types_are_seen()
    {
        var compiler = Some.WithExtraPolicy("""
            deny member System.Numerics.BigInteger.op_Addition
            deny member System.Numerics.BigInteger.op_Implicit
            """);
        var result = compiler.Compile(Some.WithEntryPoints("""
            using System.Numerics;

            namespace Probe;

            public static class Use
            {
                public static BigInteger Add(BigInteger a, BigInteger b) => a + b;

                public static BigInteger From(int x) => x;
            }
            """));
        At(result, "HA0001", "op_Addition", 7);
        At(result, "HA0001", "op_Implicit", 9);
    }

    [Fact]
    public void Lock_statement_uses_the_allowed_Lock_type()
    {
        var result = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                private static readonly System.Threading.Lock Gate = new();
                private static readonly object Old = new();
                private static int _count;

                public static int Bump()
                {
                    lock (Gate)
                    {
                        _count++;
                    }

                    lock (Old)
                    {
                        return System.Threading.Interlocked.Increment(ref _count);
                    }
                }
            }
            """));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Report.Diagnostics));
    }

    [Fact]
    public void Guest_types_with_BCL_names_are_the_agents_own()
    {
        var result = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace System.Diagnostics
            {
                public sealed class Process
                {
                    public static string Start(string name) => "pretend " + name;
                }
            }

            namespace Probe
            {
                public static class Use
                {
                    public static string Run() => System.Diagnostics.Process.Start("sh");
                }
            }
            """));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Report.Diagnostics));
    }

    [Fact]
    public void Declarations_are_checked_base_types_fields_parameters_constraints_and_typeof()
    {
        var result = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public sealed class Holder<T> where T : System.IO.FileStream
            {
                private System.Threading.Thread? _thread;
                public void Take(System.Net.Http.HttpClient client) { }
                public Type Which() => typeof(System.IO.FileInfo);
            }

            public sealed class MyReader : System.IO.BinaryReader
            {
                public MyReader() : base(new System.IO.MemoryStream()) { }
            }
            """));
        Assert.False(result.Success);
        At(result, "HA0001", "System.IO.FileStream", 3);
        At(result, "HA0001", "System.Threading.Thread", 5);
        At(result, "HA0001", "System.Net.Http.HttpClient", 6);
        At(result, "HA0001", "System.IO.FileInfo", 7);
        At(result, "HA0001", "System.IO.BinaryReader", 10);
    }

    [Fact]
    public void Il_scan_alone_finds_a_forbidden_member_reference()
    {
        var compiler = new AgentCompiler(new AgentCompilerOptions { SkipSymbolGate = true });
        var result = compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static string Read() => System.IO.File.ReadAllText("/etc/passwd");
            }
            """));
        Assert.False(result.Success);
        Assert.DoesNotContain(result.Report.Diagnostics, d => d.Id == "HA0001");
        var diagnostic = Single(result, DiagnosticIds.DisallowedIlReference, "System.IO.File.ReadAllText");
        Assert.Contains("Probe.Use.Read", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal("task/Agent.cs", diagnostic.File);
        Assert.Equal(5, diagnostic.Line);
    }

    [Fact]
    public void Il_scan_alone_finds_pinvoke_calli_explicit_layout_and_finalizers()
    {
        var compiler = new AgentCompiler(new AgentCompilerOptions { SkipSymbolGate = true, AllowUnsafe = true });
        var result = compiler.Compile(Some.WithEntryPoints("""
            using System.Runtime.InteropServices;

            namespace Probe;

            public static unsafe class Use
            {
                [DllImport("libc")]
                private static extern int getpid();

                private static int Answer() => 42;

                public static int Call()
                {
                    delegate*<int> f = &Answer;
                    return f();
                }
            }

            [StructLayout(LayoutKind.Explicit)]
            public struct Overlap
            {
                [FieldOffset(0)] public long A;
                [FieldOffset(0)] public double B;
            }

            public sealed class Leaky
            {
                ~Leaky() { }
            }
            """));
        Assert.False(result.Success);
        At(result, DiagnosticIds.NativeInterop, "Probe.Use.getpid", 8);
        At(result, DiagnosticIds.UnsafeIl, "'calli' in 'Probe.Use.Call'", 12);
        Single(result, DiagnosticIds.UnsafeIl, "'Probe.Overlap' is not allowed: explicit layout");
        Single(result, DiagnosticIds.UnsafeIl, "Probe.Overlap.A");
        Single(result, DiagnosticIds.Finalizer, "Probe.Leaky.Finalize");
    }

    [Fact]
    public void Il_scan_alone_finds_runtime_internal_calls_and_the_source_walk_names_them_too()
    {
        const string code = """
            using System.Runtime.CompilerServices;

            namespace Probe;

            public static class Use
            {
                [MethodImpl(MethodImplOptions.InternalCall)]
                public static extern int Sneaky();
            }
            """;
        var ilOnly = new AgentCompiler(new AgentCompilerOptions { SkipSymbolGate = true }).Compile(Some.WithEntryPoints(code));
        At(ilOnly, DiagnosticIds.NativeInterop, "Probe.Use.Sneaky", 8);
        var full = Some.Compiler.Compile(Some.WithEntryPoints(code));
        At(full, DiagnosticIds.NativeInterop, "Probe.Use.Sneaky()", 8);
    }

    [Fact]
    public void Il_scan_honours_lowering_rules_that_source_may_not_use()
    {
        // Collection expressions lower to CollectionsMarshal calls; iterators read Environment.CurrentManagedThreadId.
        var ok = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static List<int> Items() => [1, 2, 3];

                public static IEnumerable<int> Count() { yield return 1; }
            }
            """));
        Assert.True(ok.Success, string.Join(Environment.NewLine, ok.Report.Diagnostics));

        var direct = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static int Id() => Environment.CurrentManagedThreadId;
            }
            """));
        At(direct, "HA0001", "System.Environment.CurrentManagedThreadId", 5);
    }

    [Fact]
    public void A_member_the_policy_allows_on_a_denied_type_passes_both_halves_of_the_gate_and_the_type_itself_stays_denied()
    {
        // policy.txt: `deny type System.Console` with `allow member System.Console.WriteLine`. In IL the member
        // reference's parent is a reference to System.Console, which the IL scan once refused as a type.
        var ok = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static void Say() { System.Console.WriteLine("hello"); System.Console.Write(1); }
            }
            """));
        Assert.True(ok.Success, string.Join(Environment.NewLine, ok.Report.Diagnostics));

        var read = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static string? Read() => System.Console.ReadLine();
            }
            """));
        At(read, "HA0001", "System.Console.ReadLine", 5);

        var ilRead = new AgentCompiler(new AgentCompilerOptions { SkipSymbolGate = true }).Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static string? Read() => System.Console.ReadLine();
            }
            """));
        Assert.False(ilRead.Success);
        Assert.Contains(ilRead.Report.Diagnostics, d => d.Message.Contains("System.Console.ReadLine", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_documents_and_nodes_built_without_reflection_still_compile()
    {
        // Only the generic overloads of JsonValue.Create and JsonArray.Add serialize by reflection; their non-generic
        // siblings (reached with a JsonNode-typed argument), the implicit conversions and the document, reader and
        // writer APIs stay allowed.
        var result = Some.Compiler.Compile(Some.WithEntryPoints("""
            using System.IO;
            using System.Text.Json;
            using System.Text.Json.Nodes;

            namespace Probe;

            public static class Use
            {
                public static string Build(double[] values)
                {
                    var array = new JsonArray(1, 2, "three");
                    JsonNode item = JsonValue.Create(values[0]);
                    array.Add(item);
                    array.Add((JsonNode)values.Length);
                    var root = new JsonObject { ["values"] = array, ["ok"] = true };
                    var parsed = JsonNode.Parse(root.ToJsonString())!;
                    var first = parsed["values"]![0]!.GetValue<int>();
                    using var document = JsonDocument.Parse("{\"a\": [1, 2]}");
                    var sum = document.RootElement.GetProperty("a").EnumerateArray().Sum(e => e.GetDouble());
                    var stream = new MemoryStream();
                    using (var writer = new Utf8JsonWriter(stream))
                    {
                        writer.WriteStartObject();
                        writer.WriteNumber("sum", sum + first);
                        writer.WriteEndObject();
                    }

                    return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Encoding.UTF8.GetString(stream.ToArray());
                }
            }
            """));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Report.Diagnostics));
    }

    [Fact]
    public void Il_scan_alone_tells_generic_overloads_from_their_non_generic_siblings()
    {
        var compiler = new AgentCompiler(new AgentCompilerOptions { SkipSymbolGate = true });
        var generic = compiler.Compile(Some.WithEntryPoints("""
            using System.Text.Json.Nodes;

            namespace Probe;

            public static class Use
            {
                public static string Leak(Exception ex) => new JsonArray { ex }.ToJsonString();
            }
            """));
        Assert.DoesNotContain(generic.Report.Diagnostics, d => d.Id == "HA0001");
        At(generic, DiagnosticIds.DisallowedIlReference, "System.Text.Json.Nodes.JsonArray.Add", 7);
        Assert.Contains("JsonArray.Add<>", Single(generic, DiagnosticIds.DisallowedIlReference, "JsonArray.Add").Message, StringComparison.Ordinal);

        var plain = compiler.Compile(Some.WithEntryPoints("""
            using System.Text.Json.Nodes;

            namespace Probe;

            public static class Use
            {
                public static string Fine(double x) => new JsonArray { (JsonNode)x }.ToJsonString();
            }
            """));
        Assert.True(plain.Success, string.Join(Environment.NewLine, plain.Report.Diagnostics));
    }

    [Fact]
    public void Params_span_calls_lower_to_inline_arrays_that_only_the_il_may_name()
    {
        var ok = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static string Join(string a, string b) => string.Join(",", a, b, "c") + string.Concat(a, b, a, b, a);
            }
            """));
        Assert.True(ok.Success, string.Join(Environment.NewLine, ok.Report.Diagnostics));

        var direct = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static int Direct() => new System.Runtime.CompilerServices.InlineArray3<int>()[0];
            }
            """));
        At(direct, "HA0001", "System.Runtime.CompilerServices.InlineArray3<T>", 5);
    }

    [Fact]
    public void Process_wide_settings_agents_have_no_use_for_are_denied_and_the_current_culture_stays_readable()
    {
        var result = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            using System.Globalization;
            using System.Text;
            using System.Text.RegularExpressions;

            public static class Use
            {
                public static string Tamper(EncodingProvider provider)
                {
                    CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
                    CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
                    CultureInfo.InvariantCulture.ClearCachedData();
                    Encoding.RegisterProvider(provider);
                    Regex.CacheSize = 0;
                    var name = CultureInfo.CurrentCulture.Name;
                    return string.Intern("x") + string.IsInterned("y") + name;
                }
            }
            """));
        At(result, "HA0001", "CultureInfo.DefaultThreadCurrentCulture", 11);
        At(result, "HA0001", "CultureInfo.DefaultThreadCurrentUICulture", 12);
        At(result, "HA0001", "CultureInfo.ClearCachedData()", 13);
        At(result, "HA0001", "Encoding.RegisterProvider(", 14);
        At(result, "HA0001", "Regex.CacheSize", 15);
        At(result, "HA0001", "string.Intern(string)", 17);
        At(result, "HA0001", "string.IsInterned(string)", 17);
        Assert.DoesNotContain(result.Report.Diagnostics, d => d.Line == 16);
    }

    [Fact]
    public void Violations_are_deduplicated_per_symbol_and_line()
    {
        var result = Some.Compiler.Compile(Some.WithEntryPoints("""
            namespace Probe;

            public static class Use
            {
                public static bool Twice() => System.IO.File.Exists("a") && System.IO.File.Exists("b");
            }
            """));
        Assert.Single(result.Report.Diagnostics, d => d.Message.Contains("System.IO.File.Exists(string)", StringComparison.Ordinal));
    }
}
