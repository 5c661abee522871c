using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Collections.Immutable;
using Xunit;

namespace Hyperagents.Compiler.Tests;

public sealed class CompilerTests
{
    [Fact]
    public void Benign_agent_compiles_passes_the_gate_and_exposes_both_entry_points()
    {
        var result = Some.Compiler.Compile(AgentSource.FromDirectory(Some.BenignDir));

        Assert.True(result.Success, string.Join(Environment.NewLine, result.Report.Diagnostics));
        Assert.Empty(result.Report.Diagnostics);
        Assert.NotNull(result.Agent);
        Assert.Equal("Benign.Solver", result.EntryPoints!.SolveTask.TypeName);
        Assert.Equal("public static Task<string> SolveTask(TaskContext)", result.EntryPoints.SolveTask.Signature);
        Assert.Equal("Benign.Meta", result.EntryPoints.ModifySelf.TypeName);
        Assert.Equal("public static Task ModifySelf(MetaContext)", result.EntryPoints.ModifySelf.Signature);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(result.Agent.Image)), result.Agent.Id);
        Assert.StartsWith("Agent_", result.Agent.AssemblyName, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_sources_are_refused_before_parsing_and_the_host_survives_deep_but_legal_ones()
    {
        // 30,000 nested parentheses overflowed Roslyn's parser stack (uncatchable: it ends the process).
        var deep = "class Deep { int V = " + new string('(', 30_000) + "1" + new string(')', 30_000) + "; }";
        var refused = Some.Compiler.Compile(Some.WithEntryPoints(deep));
        var diagnostic = Assert.Single(refused.Report.Diagnostics);
        Assert.Equal(DiagnosticIds.TooDeeplyNested, diagnostic.Id);
        Assert.Equal("task/Agent.cs", diagnostic.File);

        // 200 levels is legal and compiles (on the compiler's large-stack thread); so do the mutation engine's parses.
        var legal = "class Legal { int V = " + new string('(', 200) + "1" + new string(')', 200) + "; }";
        Assert.True(Some.Compiler.Compile(Some.WithEntryPoints(legal)).Success);
        Assert.Empty(MutationEngine.GetSites(deep));
        Assert.NotEmpty(MutationEngine.GetSites(legal));
    }

    [Fact]
    public void Emitted_image_references_only_the_host_reference_set()
    {
        var result = Some.Compiler.Compile(AgentSource.FromDirectory(Some.BenignDir));
        using var pe = new PEReader(ImmutableArray.Create(result.Agent!.Image));
        var md = pe.GetMetadataReader();
        var referenced = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
        var probe = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("probe", references: AgentReferences.All);
        var allowed = AgentReferences.All.Select(r => probe.GetAssemblyOrModuleSymbol(r)!.Name).ToHashSet();
        Assert.All(referenced, name => Assert.Contains(name, allowed));
        Assert.Contains("Hyperagents.Sdk", referenced);
    }

    [Fact]
    public void Identical_sources_give_byte_identical_images_even_from_separate_compilers()
    {
        var source = AgentSource.FromDirectory(Some.BenignDir);
        var first = Some.Compiler.Compile(source);
        var second = new AgentCompiler(new AgentCompilerOptions { SyntaxTreeCacheCapacity = 0 }).Compile(AgentSource.FromDirectory(Some.BenignDir));
        Assert.Equal(first.Agent!.Image, second.Agent!.Image);
        Assert.Equal(first.Agent.Id, second.Agent.Id);

        var changed = Some.Compiler.Compile(source.With("task/Extra.cs", "namespace Benign;\n\npublic static class Extra { public static int One() => 1; }\n"));
        Assert.NotEqual(first.Agent.Id, changed.Agent!.Id);
        Assert.NotEqual(first.Agent.AssemblyName, changed.Agent.AssemblyName);
    }

    [Fact]
    public void A_child_sharing_files_with_its_parent_reuses_their_syntax_trees()
    {
        var compiler = new AgentCompiler();
        var parent = AgentSource.FromDirectory(Some.BenignDir);
        compiler.Compile(parent);
        Assert.Equal(0, compiler.SyntaxTreeCacheHits);
        Assert.Equal(2, compiler.SyntaxTreeCacheMisses);

        var child = parent.With("meta/Meta.cs", parent.Files["meta/Meta.cs"].Replace("mutated", "changed", StringComparison.Ordinal));
        var result = compiler.Compile(child);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Report.Diagnostics));
        Assert.Equal(1, compiler.SyntaxTreeCacheHits);
        Assert.Equal(3, compiler.SyntaxTreeCacheMisses);
    }

    [Fact]
    public void Syntax_tree_cache_is_bounded()
    {
        var compiler = new AgentCompiler(new AgentCompilerOptions { SyntaxTreeCacheCapacity = 1 });
        var source = AgentSource.FromDirectory(Some.BenignDir);
        compiler.Compile(source);
        compiler.Compile(source);

        // Two files, room for one: the second compile finds at most one of them.
        Assert.True(compiler.SyntaxTreeCacheHits <= 1);
        Assert.True(compiler.SyntaxTreeCacheMisses >= 3);
    }

    [Fact]
    public void Syntax_errors_name_the_relative_file_line_and_column()
    {
        var result = Some.Compiler.Compile(AgentSource.FromFiles(new Dictionary<string, string>
        {
            ["task/Broken.cs"] = "namespace Probe;\n\npublic static class Broken\n{\n    public static int F() => 1 +;\n}\n",
            ["meta/Entry.cs"] = "namespace Probe;\n\n" + Some.EntryPoints,
        }));
        Assert.False(result.Success);
        var error = Assert.Single(result.Report.Diagnostics, d => d.Id.StartsWith("CS", StringComparison.Ordinal));
        Assert.Equal("task/Broken.cs", error.File);
        Assert.Equal(5, error.Line);
        Assert.Equal(33, error.Column);
        Assert.Equal("CS1525", error.Id);
    }

    [Fact]
    public void Warnings_do_not_fail_and_are_not_reported()
    {
        var result = Some.Compiler.Compile(Some.WithEntryPoints("namespace Probe;\n\npublic static class W\n{\n    public static int F() { int unused = 3; return 1; }\n}\n"));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Report.Diagnostics));
    }

    [Fact]
    public void Missing_entry_points_are_named_with_the_expected_signature()
    {
        var result = Some.Compiler.Compile(Some.Single("namespace Probe;\n\npublic static class Nothing { }\n"));
        Assert.False(result.Success);
        var solve = Assert.Single(result.Report.Diagnostics, d => d.Id == DiagnosticIds.SolveTaskEntryPoint);
        Assert.Contains("public static Task<string> SolveTask(TaskContext)", solve.Message, StringComparison.Ordinal);
        var modify = Assert.Single(result.Report.Diagnostics, d => d.Id == DiagnosticIds.ModifySelfEntryPoint);
        Assert.Contains("public static Task ModifySelf(MetaContext)", modify.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_signatures_say_what_is_wrong_and_where()
    {
        var result = Some.Compiler.Compile(Some.Single("""
            namespace Probe;

            public static class Entry
            {
                public static Task<int> SolveTask(TaskContext context) => Task.FromResult(1);

                public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
            }

            internal static class Hidden
            {
                public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
            }
            """));
        Assert.False(result.Success);
        var solve = Assert.Single(result.Report.Diagnostics, d => d.Id == DiagnosticIds.SolveTaskEntryPoint);
        Assert.Contains("it returns Task<int>", solve.Message.Replace("Int32", "int", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(5, solve.Line);
        Assert.DoesNotContain(result.Report.Diagnostics, d => d.Id == DiagnosticIds.ModifySelfEntryPoint);
    }

    [Fact]
    public void Instance_or_private_or_guest_typed_entry_points_are_rejected()
    {
        var result = Some.Compiler.Compile(Some.Single("""
            namespace Hyperagents.Fake
            {
                public sealed class TaskContext { }
            }

            namespace Probe
            {
                public sealed class Entry
                {
                    public Task<string> SolveTask(Hyperagents.TaskContext context) => Task.FromResult("");

                    public static Task<string> SolveTask(Hyperagents.Fake.TaskContext context) => Task.FromResult("");

                    private static Task ModifySelf(MetaContext context) => Task.CompletedTask;
                }
            }
            """));
        var solve = result.Report.Diagnostics.Where(d => d.Id == DiagnosticIds.SolveTaskEntryPoint).Select(d => d.Message).ToList();
        Assert.Contains(solve, m => m.Contains("it is not static", StringComparison.Ordinal));
        Assert.Contains(solve, m => m.Contains("its parameters are (Fake.TaskContext)", StringComparison.Ordinal) || m.Contains("[agent]", StringComparison.Ordinal));
        Assert.Contains(result.Report.Diagnostics, d => d.Id == DiagnosticIds.ModifySelfEntryPoint && d.Message.Contains("it is not public", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicated_entry_points_are_rejected()
    {
        var result = Some.Compiler.Compile(AgentSource.FromFiles(new Dictionary<string, string>
        {
            ["task/A.cs"] = "namespace A;\n\n" + Some.EntryPoints,
            ["task/B.cs"] = "namespace B;\n\n" + Some.EntryPoints,
        }));
        Assert.False(result.Success);
        Assert.Contains(result.Report.Diagnostics, d => d.Id == DiagnosticIds.SolveTaskEntryPoint && d.Message.Contains("declared 2 times", StringComparison.Ordinal));
    }

    [Fact]
    public void Nested_public_entry_points_count_as_public_classes()
    {
        var result = Some.Compiler.Compile(Some.Single("namespace Probe;\n\npublic static class Outer\n{\n" + Some.EntryPoints + "\n}\n"));
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Report.Diagnostics));
        Assert.Equal("Probe.Outer+Entry", result.EntryPoints!.SolveTask.TypeName);
    }

    [Fact]
    public void Dynamic_gets_a_gate_diagnostic_not_only_a_missing_member_error()
    {
        var result = Some.Compiler.Compile(Some.WithEntryPoints("namespace Probe;\n\npublic static class D\n{\n    public static object F(dynamic d) => d.Length;\n}\n"));
        Assert.Contains(result.Report.Diagnostics, d => d.Id == DiagnosticIds.Dynamic && d.Line == 5);
    }

    [Fact]
    public void Compiler_is_safe_to_share_across_threads()
    {
        var sources = Enumerable.Range(0, 4).Select(i => Some.WithEntryPoints($"namespace Probe;\n\npublic static class C{i} {{ public static int F() => {i}; }}\n")).ToArray();
        var results = new CompileResult[sources.Length];
        Parallel.For(0, sources.Length, i => results[i] = Some.Compiler.Compile(sources[i]));
        Assert.All(results, r => Assert.True(r.Success));
        Assert.Equal(sources.Length, results.Select(r => r.Agent!.Id).Distinct().Count());
    }

    [Fact]
    public void Policy_hash_is_the_sha256_of_the_policy_file()
    {
        var bytes = File.ReadAllBytes(Some.Compiler.Policy.Origin);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), Some.Compiler.GatePolicyHash);
        Assert.Equal(File.ReadAllText(Some.RepoPolicyPath), File.ReadAllText(Some.Compiler.Policy.Origin));
    }
}
