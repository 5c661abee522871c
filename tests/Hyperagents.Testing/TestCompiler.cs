using System.Collections.Concurrent;
using System.Security.Cryptography;
using Basic.Reference.Assemblies;
using Hyperagents.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hyperagents.Testing;

/// <summary>Test-only stand-in for the real compiler: Roslyn against the .NET 10 reference assemblies and the SDK, with
/// NO capability gate, because the runners must hold even if the gate were bypassed.</summary>
public static class TestCompiler
{
    private static readonly ConcurrentDictionary<string, CompiledAgent> Cache = new(StringComparer.Ordinal);

    private static readonly MetadataReference[] References =
        [.. Net100.References.All, MetadataReference.CreateFromFile(typeof(TaskContext).Assembly.Location)];

    /// <summary>Compiles <c>Agents/&lt;name&gt;.cs</c> of the test output once per test run.</summary>
    public static CompiledAgent Agent(string name) => Cache.GetOrAdd(name, CompileFile);

    /// <summary>Compiles <c>Agents/&lt;name&gt;.cs</c> of the test output.</summary>
    public static CompiledAgent CompileFile(string name) =>
        Compile(name, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Agents", name + ".cs")));

    /// <summary>Compiles source text to a <see cref="CompiledAgent"/>; throws with the diagnostics when it does not compile.</summary>
    public static CompiledAgent Compile(string name, string source)
    {
        var assemblyName = "agent." + name;
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: name + ".cs")],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable, deterministic: true));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Test agent {name} does not compile:{Environment.NewLine}" +
                string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        var image = stream.ToArray();
        return new CompiledAgent(Convert.ToHexStringLower(SHA256.HashData(image)), assemblyName, image);
    }
}
