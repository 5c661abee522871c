using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Hyperagents.Transport;

namespace Hyperagents.Hosting.Tests.Contract;

/// <summary>The agents of the runner contract, compiled once per test run with Roslyn (no gate: the runner must hold
/// whatever the code is) against the .NET reference assemblies and the SDK.</summary>
public static class ContractAgents
{
    private const string Usings = "using System; using System.Collections.Generic; using System.Threading.Tasks; using Hyperagents;\n";
    private static readonly ConcurrentDictionary<string, Lazy<CompiledAgent>> Cache = new(StringComparer.Ordinal);

    /// <summary>The agent named <paramref name="name"/> in <see cref="Sources"/>, compiled once.</summary>
    public static CompiledAgent Get(string name) =>
        Cache.GetOrAdd(name, n => new Lazy<CompiledAgent>(() => Compile(n, Usings + Sources[n]))).Value;

    /// <summary>One source per agent: the body of <c>public static class Agent</c> unless it starts with <c>class</c>.</summary>
    public static IReadOnlyDictionary<string, string> Sources { get; } = new Dictionary<string, string>
    {
        ["Answer"] = Agent("""
            public static Task<string> SolveTask(TaskContext c) { Console.WriteLine("stdout line"); return Task.FromResult("answer:" + (c.Task.GetInt("n") * 2) + ":" + c.Task.Id); }
            public static async Task ModifySelf(MetaContext c) => await c.Workspace.WriteAsync("notes.md", "instruction: " + c.Instruction);
            """),
        ["Shares"] = Agent("""public static async Task<string> SolveTask(TaskContext c) => "shared:" + (await c.SharedBestAsync() ?? "none");"""),
        ["Empty"] = Agent("""public static Task<string> SolveTask(TaskContext c) => Task.FromResult("");"""),
        ["Unicode"] = Agent("""public static Task<string> SolveTask(TaskContext c) => Task.FromResult("héllo ☃ 𝄞 日本");"""),
        ["Null"] = Agent("""public static Task<string> SolveTask(TaskContext c) => Task.FromResult<string>(null!);"""),
        ["Throws"] = Agent("""
            public static Task<string> SolveTask(TaskContext c) => throw new InvalidOperationException("boom " + c.Task.Id);
            public static Task ModifySelf(MetaContext c) => throw new ArgumentException("meta boom");
            """),
        ["ThrowsAfterAwait"] = Agent("""
            public static async Task<string> SolveTask(TaskContext c) { await c.Log.InfoAsync("before"); throw new FormatException("late boom"); }
            """),
        ["ThrowsEscapes"] = Agent("""public static Task<string> SolveTask(TaskContext c) => throw new InvalidOperationException("red \u001b[31m alert \u202e");"""),
        ["NoEntry"] = "public static class Nothing { public static int Value => 1; }",
        ["WrongSignature"] = Agent("""public static Task<int> SolveTask(TaskContext c) => Task.FromResult(1);"""),
        ["SolveOnly"] = Agent("""public static Task<string> SolveTask(TaskContext c) => Task.FromResult("solve only");"""),
        ["Loop"] = Agent("""
            public static async Task<string> SolveTask(TaskContext c) { await c.Log.InfoAsync("looping"); long i = 0; while (i >= 0) { i = (i + 1) % 1000; } return "never"; }
            """),
        ["CatchingLoop"] = Agent("""
            public static Task<string> SolveTask(TaskContext c)
            {
                while (true)
                {
                    try { try { while (true) { } } catch (Exception ex) when (Spin(ex)) { } finally { while (true) { } } }
                    catch { }
                }
            }

            private static bool Spin(Exception ex)
            {
                while (true) { }
            }
            """),
        ["MemoryBomb"] = Agent("""
            public static Task<string> SolveTask(TaskContext c) { var keep = new List<byte[]>(); while (true) { var b = new byte[4 * 1024 * 1024]; b[0] = 1; keep.Add(b); } }
            """),
        ["Recurse"] = Agent("""
            public static Task<string> SolveTask(TaskContext c) => Task.FromResult(Down(0).ToString());
            private static long Down(long d) => Down(d + 1) + 1;
            """),
        ["NoStack"] = Agent("""public static Task<string> SolveTask(TaskContext c) => throw new InsufficientExecutionStackException("deep");"""),
        ["ClaimsOom"] = Agent("""public static Task<string> SolveTask(TaskContext c) => throw new OutOfMemoryException("claimed");"""),
        ["Exit"] = Agent("""public static Task<string> SolveTask(TaskContext c) { Environment.Exit(0); return Task.FromResult("still here"); }"""),
        ["BigAnswer"] = Agent("""public static Task<string> SolveTask(TaskContext c) => Task.FromResult(new string('a', 64 * 1024));"""),
        ["Chatty"] = Agent("""
            public static async Task<string> SolveTask(TaskContext c) { for (var i = 0; i < c.Task.GetInt("n"); i++) { await c.Log.InfoAsync("line " + i); } return "logged"; }
            """),
        ["CatchesHostCalls"] = Agent("""
            public static async Task<string> SolveTask(TaskContext c)
            {
                for (var i = 0; i < 1000; i++) { try { await c.Log.InfoAsync("line " + i); } catch (HostCallException) { } catch (Exception) { } }
                return "survived";
            }
            """),
        ["Refusal"] = Agent("""
            public static async Task<string> SolveTask(TaskContext c)
            {
                var budget = await c.Budget.GetAsync();
                try { await c.Chat.CompleteAsync(new ChatRequest(new List<ChatMessage>())); return "chat succeeded"; }
                catch (HostCallException ex) { return $"{budget.ModelCallsLeft}|{ex.Capability}|{ex.Code}"; }
            }
            """),
        ["BigRequest"] = Agent("""
            public static async Task<string> SolveTask(TaskContext c)
            {
                string code;
                try { await c.Log.InfoAsync(new string('x', 64 * 1024)); code = "accepted"; } catch (HostCallException ex) { code = ex.Code; }
                await c.Log.InfoAsync("after");
                return code + "|after-ok";
            }
            """),
        ["Reader"] = Agent("""
            public static Task<string> SolveTask(TaskContext c) => Task.FromResult("reader");
            public static async Task ModifySelf(MetaContext c)
            {
                string result;
                try { result = "read " + (await c.Workspace.ReadAsync("big.txt")).Length; } catch (HostCallException ex) { result = ex.Code; }
                await c.Workspace.WriteAsync("result.txt", result);
            }
            """),
        ["Nested"] = Agent("""
            public static Task<string> SolveTask(TaskContext c) => Task.FromResult("outer");
            public static async Task ModifySelf(MetaContext c)
            {
                var first = await c.RunSnippetAsync("inner");
                var second = await c.RunSnippetAsync("inner-fails");
                await c.Workspace.WriteAsync("result.txt", $"{first.Outcome}:{first.Value}|{second.Outcome}");
            }
            """),
        ["Flood"] = Agent("""
            public static Task<string> SolveTask(TaskContext c)
            {
                Console.Write("\u001b[31mred\u001b[0m\u202e\n");
                for (var i = 0; i < 2000; i++) { Console.Write("0123456789"); }
                return Task.FromResult("flooded");
            }
            """),
        ["Static"] = Agent("""
            private static int s_calls;
            public static Task<string> SolveTask(TaskContext c) => Task.FromResult((++s_calls).ToString());
            """),
    };

    /// <summary>Compiles source text with the shared test compiler (no gate: the runner must hold without it).</summary>
    public static CompiledAgent Compile(string name, string source) => TestCompiler.Compile("contract." + name, source);

    private static string Agent(string body) => "public static class Agent\n{\n" + body + "\n}\n";
}
