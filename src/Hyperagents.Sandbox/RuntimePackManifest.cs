using System.Security.Cryptography;
using System.Text.Json;
using Wasmtime;

namespace Hyperagents.Sandbox;

/// <summary>The pinned contract of the runtime pack's <c>dotnet.native.wasm</c>: version, hash and the exact import and
/// export lists (<c>sandbox/runtime-pack.json</c>). The pack is an internal artifact whose ABI is private, so the host
/// refuses to run a module that differs in any way from what its imports were written against.</summary>
/// <param name="Package">The NuGet package id.</param>
/// <param name="Version">The package version.</param>
/// <param name="Wasm">The module file name.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the module.</param>
/// <param name="Imports">Every import, as <c>module.name: func(params)-&gt;(results)</c>.</param>
/// <param name="Exports">Every export, as <c>name: func(params)-&gt;(results)</c> or <c>name: memory</c>.</param>
public sealed record RuntimePackManifest(
    string Package,
    string Version,
    string Wasm,
    string Sha256,
    IReadOnlyList<string> Imports,
    IReadOnlyList<string> Exports)
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Reads a manifest file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not a manifest.</exception>
    public static RuntimePackManifest Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RuntimePackManifest>(File.ReadAllText(path), s_json)
                   ?? throw new InvalidDataException($"The runtime-pack manifest '{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The runtime-pack manifest '{path}' is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Describes a module file as a manifest (to review and pin after a deliberate pack upgrade).</summary>
    /// <param name="wasmPath">The <c>dotnet.native.wasm</c> to describe.</param>
    /// <param name="package">The package id.</param>
    /// <param name="version">The package version.</param>
    public static RuntimePackManifest Generate(string wasmPath, string package, string version)
    {
        var bytes = File.ReadAllBytes(wasmPath);
        using var engine = new Engine();
        using var module = Module.FromBytes(engine, Path.GetFileName(wasmPath), bytes);
        var (imports, exports) = Describe(module);
        return new RuntimePackManifest(package, version, Path.GetFileName(wasmPath), Convert.ToHexStringLower(SHA256.HashData(bytes)), imports, exports);
    }

    /// <summary>The manifest as indented JSON, in the format <see cref="Load"/> reads.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(s_json)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>Describes a compiled module's imports and exports the way a manifest lists them.</summary>
    /// <param name="module">The module.</param>
    public static (IReadOnlyList<string> Imports, IReadOnlyList<string> Exports) Describe(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var imports = module.Imports.Select(i => $"{i.ModuleName}.{i.Name}: {Signature(i)}").Order(StringComparer.Ordinal).ToArray();
        var exports = module.Exports.Select(e => $"{e.Name}: {Signature(e)}").Order(StringComparer.Ordinal).ToArray();
        return (imports, exports);
    }

    /// <summary>Lists every difference between this manifest and a module; empty when they match exactly.</summary>
    /// <param name="module">The compiled module.</param>
    /// <param name="sha256">The module file's SHA-256 (lower-case hex).</param>
    public IReadOnlyList<string> Compare(Module module, string sha256)
    {
        var differences = new List<string>();
        if (!string.Equals(sha256, Sha256, StringComparison.OrdinalIgnoreCase))
        {
            differences.Add($"{Wasm} has SHA-256 {sha256}, the manifest pins {Sha256}");
        }

        var (imports, exports) = Describe(module);
        Diff("import", Imports, imports, differences);
        Diff("export", Exports, exports, differences);
        return differences;
    }

    private static void Diff(string what, IReadOnlyList<string> pinned, IReadOnlyList<string> actual, List<string> differences)
    {
        static Dictionary<string, string> ByName(IEnumerable<string> entries) =>
            entries.GroupBy(e => e.Split(": ", 2)[0], StringComparer.Ordinal).ToDictionary(g => g.Key, g => string.Join(" | ", g), StringComparer.Ordinal);

        var expected = ByName(pinned);
        var found = ByName(actual);
        foreach (var (name, signature) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!found.TryGetValue(name, out var other))
            {
                differences.Add($"{what} {signature} is pinned but missing from the module");
            }
            else if (other != signature)
            {
                differences.Add($"{what} {name} changed: pinned '{signature}', module has '{other}'");
            }
        }

        foreach (var (_, signature) in found.Where(p => !expected.ContainsKey(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            differences.Add($"{what} {signature} is in the module but not in the manifest");
        }
    }

    private static string Kind(ValueKind kind) => kind switch
    {
        ValueKind.Int32 => "i32",
        ValueKind.Int64 => "i64",
        ValueKind.Float32 => "f32",
        ValueKind.Float64 => "f64",
        _ => kind.ToString(),
    };

    private static string Signature(object item) => item switch
    {
        FunctionImport f => $"func({string.Join(",", f.Parameters.Select(Kind))})->({string.Join(",", f.Results.Select(Kind))})",
        FunctionExport f => $"func({string.Join(",", f.Parameters.Select(Kind))})->({string.Join(",", f.Results.Select(Kind))})",
        MemoryImport or MemoryExport => "memory",
        TableImport or TableExport => "table",
        GlobalImport or GlobalExport => "global",
        _ => item.GetType().Name,
    };
}
