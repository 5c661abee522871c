using System.Collections.Concurrent;
using System.Security.Cryptography;
using Basic.Reference.Assemblies;
using Hyperagents.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hyperagents.Hosting.Tests.Support;

/// <summary>Stand-in for the real compiler (no capability gate): compiles one sample agent file against the .NET 10
/// reference assemblies and <c>Hyperagents.Sdk</c>. Kept in this one file so it can be swapped for the real pipeline.</summary>
internal static class TestCompiler
{
    private static readonly ConcurrentDictionary<string, CompiledAgent> Cache = new(StringComparer.Ordinal);

    /// <summary>Compiles <c>Agents/&lt;name&gt;.cs</c> once per test run.</summary>
    public static CompiledAgent Agent(string name) => Cache.GetOrAdd(name, static n => Compile(n, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Agents", n + ".cs"))));

    /// <summary>Compiles source text to a <see cref="CompiledAgent"/>; throws with the diagnostics when it does not compile.</summary>
    public static CompiledAgent Compile(string name, string source)
    {
        var references = Net100.References.All.Append(MetadataReference.CreateFromFile(typeof(TaskContext).Assembly.Location));
        var compilation = CSharpCompilation.Create(
            "agent." + name,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: name + ".cs")],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, deterministic: true));
        using var image = new MemoryStream();
        var emit = compilation.Emit(image);
        if (!emit.Success)
        {
            throw new InvalidOperationException($"Sample agent {name} does not compile:{Environment.NewLine}" +
                string.Join(Environment.NewLine, emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        var bytes = image.ToArray();
        return new CompiledAgent(Convert.ToHexStringLower(SHA256.HashData(bytes)), "agent." + name, bytes);
    }
}
