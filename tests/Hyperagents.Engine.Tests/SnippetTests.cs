using Hyperagents.Domains;
using Hyperagents.Engine.Tests.Support;
using Hyperagents.Hosting;

namespace Hyperagents.Engine.Tests;

/// <summary>The meta agent's scratchpad: a snippet is compiled and gated like an agent and run in a fresh sandbox VM.</summary>
[Collection("sandbox-runs")]
public sealed class SnippetTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private MetaTools Tools(ulong seed = 7, TimeSpan? snippetWallClock = null)
    {
        var evaluator = new TaskEvaluator(TestRuns.Domain("circle-packing"), sandbox.Runner, ModelAccess.None,
            new RunLimits { WallClock = TimeSpan.FromSeconds(60) }, 1);
        var archive = TestRuns.NewArchive("snippet");
        // Tests that are not about the deadline get a generous one: a 10 s snippet compile-and-run can time out on a busy
        // 2-core machine, and that would test the machine, not the scratchpad.
        return new MetaTools(TestRuns.Compiler, evaluator, archive, "none", seed, CancellationToken.None, snippetWallClock ?? TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task A_trailing_expression_is_the_value()
    {
        var report = await Tools().RunSnippetAsync("Enumerable.Range(1, 10).Sum(i => i * i)", CancellationToken.None);
        Assert.Equal("completed", report.Outcome);
        Assert.Equal("385", report.Value);
        Assert.True(report.Fuel > 0);
    }

    [Fact]
    public async Task Statements_methods_types_await_and_console_output_work_like_a_script()
    {
        const string code = """
            using System.Text;
            record P(int X, int Y);
            int Square(int v) => v * v;
            var p = new P(3, 4);
            await context.Log.InfoAsync($"p={p}");
            await Task.Yield();
            var text = new StringBuilder().Append(Math.Sqrt(Square(p.X) + Square(p.Y)));
            new[] { text.ToString(), "done" }
            """;
        var report = await Tools().RunSnippetAsync(code, CancellationToken.None);
        Assert.True(report.Completed, $"{report.Outcome} {report.Detail} {string.Join("; ", report.Diagnostics)}");
        Assert.Equal("[5, done]", report.Value);
        Assert.Contains("[info] p=P { X = 3, Y = 4 }", report.Output);
    }

    [Fact]
    public async Task A_void_trailing_call_runs_with_an_empty_value()
    {
        var report = await Tools().RunSnippetAsync("var list = new List<int>();\nlist.Clear()", CancellationToken.None);
        Assert.Equal("completed", report.Outcome);
        Assert.Equal(string.Empty, report.Value);
    }

    [Fact]
    public async Task The_gate_refuses_what_agents_may_not_use_with_the_snippets_own_line()
    {
        var report = await Tools().RunSnippetAsync("var a = 1;\nvar secret = System.IO.File.ReadAllText(\"/etc/passwd\");\nsecret", CancellationToken.None);
        Assert.Equal("rejected", report.Outcome);
        var violation = Assert.Single(report.Diagnostics, d => d.Message.Contains("System.IO.File", StringComparison.Ordinal));
        Assert.Equal("snippet", violation.File);
        Assert.Equal(2, violation.Line);
        Assert.Null(report.Value);
    }

    [Fact]
    public async Task Compile_errors_and_directives_are_reported_not_run()
    {
        var tools = Tools();
        var error = await tools.RunSnippetAsync("var x = 1;\n\nx + undefinedName", CancellationToken.None);
        Assert.Equal("rejected", error.Outcome);
        Assert.Contains(error.Diagnostics, d => d.Line == 3 && d.Message.Contains("undefinedName", StringComparison.Ordinal));

        var directive = await tools.RunSnippetAsync("#r \"/tmp/evil.dll\"\n1", CancellationToken.None);
        Assert.Equal("rejected", directive.Outcome);
        Assert.Contains("Directives", Assert.Single(directive.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endless_loop_ends_at_the_snippet_deadline_not_the_tasks_as_a_value()
    {
        // Tasks get 60 s here; the snippet's own deadline (1 s) is what stops it.
        var report = await Tools(snippetWallClock: TimeSpan.FromSeconds(1)).RunSnippetAsync("while (true) { }", CancellationToken.None);
        Assert.Equal("deadline", report.Outcome);
        Assert.InRange(report.Milliseconds, 900, 8_000);
        Assert.Null(report.Value);
        Assert.NotNull(report.Detail);
    }

    [Fact]
    public async Task Native_mode_runs_the_same_snippet_to_the_same_value()
    {
        const string code = "var xs = Enumerable.Range(0, 5).Select(_ => context.Random.NextInt(1000)).ToList();\nxs";
        await using var native = TestRuns.NativeRunner();
        var evaluator = new TaskEvaluator(TestRuns.Domain("circle-packing"), native, ModelAccess.None, new RunLimits { WallClock = TimeSpan.FromSeconds(30) }, 1);
        var nativeTools = new MetaTools(TestRuns.Compiler, evaluator, TestRuns.NewArchive("snippet"), "none", 7, CancellationToken.None);

        var inSandbox = await Tools(seed: 7).RunSnippetAsync(code, CancellationToken.None);
        var inWorker = await nativeTools.RunSnippetAsync(code, CancellationToken.None);

        Assert.Equal("completed", inWorker.Outcome);
        Assert.Equal(inSandbox.Value, inWorker.Value);
        Assert.Matches(@"^\[\d+, \d+, \d+, \d+, \d+\]$", inWorker.Value);
        Assert.Null(inWorker.Fuel);
    }

    [Fact]
    public async Task Values_are_invariant_text_nested_cycle_safe_and_capped()
    {
        var tools = Tools();
        Assert.Equal("[true, 1.5, x, null, [1, 2]]", (await tools.RunSnippetAsync("new object?[] { true, 1.5, 'x', null, new[] { 1, 2 } }", CancellationToken.None)).Value);
        Assert.Equal("[1, […]]", (await tools.RunSnippetAsync("var list = new List<object> { 1 };\nlist.Add(list);\nlist", CancellationToken.None)).Value);
        var huge = await tools.RunSnippetAsync("new string('x', 3_000_000)", CancellationToken.None);
        Assert.Equal("completed", huge.Outcome);
        Assert.True(huge.Value!.Length < 17_000, $"{huge.Value.Length} characters");
        var deep = await tools.RunSnippetAsync("Enumerable.Range(0, 1000).Select(_ => Enumerable.Range(0, 1000).Select(_ => Enumerable.Range(0, 1000)))", CancellationToken.None);
        Assert.Equal("completed", deep.Outcome);
        Assert.EndsWith("…", deep.Value);
    }

    [Fact]
    public async Task Methods_see_the_snippets_variables_and_cannot_capture_the_wrapper()
    {
        var tools = Tools();
        Assert.Equal("6", (await tools.RunSnippetAsync("var x = 2;\nint F() => x * 3;\nF()", CancellationToken.None)).Value);
        Assert.Equal("5", (await tools.RunSnippetAsync("string Show(object o) => \"hijacked\";\nclass TaskContext { }\nclass Task { }\n5", CancellationToken.None)).Value);
        var property = await tools.RunSnippetAsync("int P => 42;\nP", CancellationToken.None);
        Assert.Equal("rejected", property.Outcome);
        Assert.Contains("not supported in a snippet", Assert.Single(property.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_keep_the_snippets_line_and_column_and_are_not_masked_by_the_void_retry()
    {
        var tools = Tools();
        var parse = await tools.RunSnippetAsync("var a = 1;\nvar b = ;\na", CancellationToken.None);
        Assert.Equal("rejected", parse.Outcome);
        Assert.Equal(2, Assert.Single(parse.Diagnostics).Line);

        var column = await tools.RunSnippetAsync("var x = 1; undefinedName", CancellationToken.None);
        var error = Assert.Single(column.Diagnostics);
        Assert.Equal((1, 12), (error.Line, error.Column));

        // A value that cannot be shown (a ref struct) is an error, not an empty success.
        var span = await tools.RunSnippetAsync("var a = new[] { 1, 2, 3 };\na.AsSpan()", CancellationToken.None);
        Assert.Equal("rejected", span.Outcome);
        Assert.Contains(span.Diagnostics, d => d.Message.Contains("Span", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pathological_sources_are_refused_or_stopped_without_harming_the_host()
    {
        var tools = Tools(snippetWallClock: TimeSpan.FromSeconds(1));
        // 30,000 nested parentheses overflowed Roslyn's parser stack, which ends the process; refused before parsing.
        var nested = await tools.RunSnippetAsync("var v = " + new string('(', 30_000) + "1" + new string(')', 30_000) + ";", CancellationToken.None);
        Assert.Equal("rejected", nested.Outcome);
        Assert.Equal("HA0021", Assert.Single(nested.Diagnostics).Id);

        // Overload resolution over nested lambdas is exponential: the compile is bounded by the snippet deadline.
        var lambdas = "static class O { public static int M(Func<int, int> f) => 1; public static int M(Func<string, int> f) => 2; }\n"
            + "O.M(x0 => " + string.Concat(Enumerable.Range(1, 14).Select(i => $"O.M(x{i} => ")) + "1" + new string(')', 15);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var slow = await tools.RunSnippetAsync(lambdas, CancellationToken.None);
        Assert.Equal("compile-timeout", slow.Outcome);
        // Bounded by 1 s of CPU time, or on a starved machine by the wall-clock backstop (10 times that): not a stall.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the compile-timeout came after {watch.Elapsed}");
        Assert.Equal("HA0101", Assert.Single(slow.Diagnostics).Id);

        // The next snippet works.
        Assert.Equal("2", (await tools.RunSnippetAsync("1 + 1", CancellationToken.None)).Value);
    }

    [Fact]
    public void Workspace_compiles_are_bounded_too_and_a_slow_one_is_a_diagnostic_not_a_stall()
    {
        var evaluator = new TaskEvaluator(TestRuns.Domain("circle-packing"), sandbox.Runner, ModelAccess.None, new RunLimits(), 1);
        var tools = new MetaTools(TestRuns.Compiler, evaluator, TestRuns.NewArchive("slow"), "none", 7, CancellationToken.None, compileTimeout: TimeSpan.FromSeconds(1));
        var files = TestRuns.Agent("Base");
        files["task/Slow.cs"] = "static class Slow\n{\n    static int M(Func<int, int> f) => 1;\n    static int M(Func<string, int> f) => 2;\n    static int V = "
            + "M(x0 => " + string.Concat(Enumerable.Range(1, 14).Select(i => $"M(x{i} => ")) + "1" + new string(')', 15) + ";\n}\n";

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var report = tools.Compile(files);

        Assert.False(report.Success);
        Assert.Equal(Hyperagents.Compiler.DiagnosticIds.CompileTimeout, Assert.Single(report.Diagnostics).Id);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the compile timeout came after {watch.Elapsed}");
        files.Remove("task/Slow.cs");
        Assert.True(tools.Compile(files).Success);
    }

    [Fact]
    public async Task Snippets_are_seeded_the_same_way_in_every_replay()
    {
        const string code = "context.Random.NextDouble()";
        var first = Tools(seed: 11);
        var again = Tools(seed: 11);
        var a1 = await first.RunSnippetAsync(code, CancellationToken.None);
        var a2 = await first.RunSnippetAsync(code, CancellationToken.None);
        var b1 = await again.RunSnippetAsync(code, CancellationToken.None);
        Assert.Equal(a1.Value, b1.Value);
        Assert.NotEqual(a1.Value, a2.Value);
        Assert.Equal(a1.Fuel, b1.Fuel);
    }

    [Fact]
    public async Task Snippets_chain_variables_methods_and_types_persist_and_a_failed_one_is_not_kept()
    {
        var tools = Tools();
        Assert.Equal(string.Empty, (await tools.RunSnippetAsync("var x = 20;\nint Twice(int v) => v * 2;\nrecord R(int A);", CancellationToken.None)).Value);
        Assert.Equal("42", (await tools.RunSnippetAsync("Twice(x) + new R(2).A", CancellationToken.None)).Value);
        Assert.Equal("rejected", (await tools.RunSnippetAsync("x + undefinedName", CancellationToken.None)).Outcome);
        Assert.Equal("guest-exception", (await tools.RunSnippetAsync("x = 0;\nthrow new InvalidOperationException(\"no\");", CancellationToken.None)).Outcome);
        // The failed snippet's assignment is not part of the chain; a later one may redeclare a variable, as in C# script.
        Assert.Equal("20", (await tools.RunSnippetAsync("x", CancellationToken.None)).Value);
        Assert.Equal("a", (await tools.RunSnippetAsync("var x = \"a\";\nx", CancellationToken.None)).Value);
        // Earlier snippets run again quietly: their log lines are not repeated.
        var logged = await tools.RunSnippetAsync("await context.Log.InfoAsync(\"once\");", CancellationToken.None);
        Assert.True(logged.Completed, $"{logged.Outcome} {logged.Detail} {string.Join("; ", logged.Diagnostics)}");
        Assert.Contains("once", logged.Output, StringComparison.Ordinal);
        var next = await tools.RunSnippetAsync("x.Length", CancellationToken.None);
        Assert.Equal("1", next.Value);
        Assert.DoesNotContain("once", next.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forbidden_api_is_refused_with_the_same_diagnostic_as_in_agent_code()
    {
        const string call = "System.IO.File.ReadAllText(\"/etc/passwd\")";
        var files = TestRuns.Agent("Base");
        files["task/Probe.cs"] = "public static class Probe\n{\n    public static string Read() => " + call + ";\n}\n";
        var agent = Assert.Single(Hyperagents.Compiler.AgentCompiles.CompileFiles(TestRuns.Compiler, files, TimeSpan.FromMinutes(2)).Report.Diagnostics, d => d.Message.Contains("System.IO.File", StringComparison.Ordinal));

        var snippet = Assert.Single((await Tools().RunSnippetAsync(call, CancellationToken.None)).Diagnostics, d => d.Message.Contains("System.IO.File", StringComparison.Ordinal));

        Assert.Equal((agent.Id, agent.Message), (snippet.Id, snippet.Message));
        Assert.Equal(("snippet", 1, 1), (snippet.File, snippet.Line, snippet.Column));
    }

    [Fact]
    public async Task Nothing_of_a_snippet_runs_in_the_host_even_when_the_gate_lets_everything_through()
    {
        // A policy that allows every API: only where the snippet runs stands between it and the host.
        using var folder = new Hyperagents.Testing.TempFolder();
        var policy = Path.Combine(folder.Path, "allow-all.txt");
        File.WriteAllText(policy, "allow namespace System\nallow namespace Hyperagents\n");
        using var permissive = new Hyperagents.Compiler.AgentCompiler(new Hyperagents.Compiler.AgentCompilerOptions { PolicyPath = policy });
        var evaluator = new TaskEvaluator(TestRuns.Domain("circle-packing"), sandbox.Runner, ModelAccess.None, new RunLimits { WallClock = TimeSpan.FromSeconds(60) }, 1);
        var tools = new MetaTools(permissive, evaluator, TestRuns.NewArchive("host"), "none", 7, CancellationToken.None, TimeSpan.FromMinutes(2));
        var marker = Path.Combine(folder.Path, "written-by-the-snippet.txt");
        Environment.SetEnvironmentVariable("HYPERAGENTS_SNIPPET_PROBE", "host-secret");

        var environment = await tools.RunSnippetAsync("Environment.GetEnvironmentVariable(\"HYPERAGENTS_SNIPPET_PROBE\") ?? \"unset\"", CancellationToken.None);
        var write = await tools.RunSnippetAsync($"System.IO.File.WriteAllText(@\"{marker}\", \"x\");\n\"written\"", CancellationToken.None);

        Assert.Equal("unset", environment.Value);
        Assert.NotEqual("completed", write.Outcome);
        Assert.False(File.Exists(marker));
    }
}
