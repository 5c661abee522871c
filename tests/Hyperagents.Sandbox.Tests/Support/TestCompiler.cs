using System.Security.Cryptography;
using Basic.Reference.Assemblies;
using Hyperagents.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hyperagents.Sandbox.Tests.Support;

/// <summary>Test-only stand-in for the real compiler: Roslyn against the .NET 10 reference assemblies and the SDK,
/// with NO capability gate, because the sandbox must hold even if the gate were bypassed.</summary>
public static class TestCompiler
{
    private static readonly MetadataReference[] s_references =
        [.. Net100.References.All, MetadataReference.CreateFromFile(typeof(TaskContext).Assembly.Location)];

    /// <summary>Compiles <c>Agents/{name}.cs</c>.</summary>
    public static CompiledAgent CompileFile(string name) =>
        Compile(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Agents", name + ".cs")), name);

    /// <summary>Compiles source text into an agent image.</summary>
    public static CompiledAgent Compile(string source, string name)
    {
        var assemblyName = "Agent." + name;
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, allowUnsafe: true, deterministic: true));
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
