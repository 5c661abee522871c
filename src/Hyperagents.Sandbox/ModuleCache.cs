using System.Security.Cryptography;
using Wasmtime;

namespace Hyperagents.Sandbox;

/// <summary>What the compiled-module cache did when the engine started.</summary>
public enum CacheResult
{
    /// <summary>A verified <c>.cwasm</c> was loaded.</summary>
    Hit,
    /// <summary>No entry existed; the module was compiled and stored.</summary>
    Miss,
    /// <summary>An entry existed but failed verification; it was deleted, never loaded, and rebuilt.</summary>
    Rebuilt,
    /// <summary>Caching is off; the module was compiled in memory.</summary>
    Disabled,
}

/// <summary>The compiled-module (<c>.cwasm</c>) cache. A <c>.cwasm</c> is native code, so an entry is loaded only if
/// its SHA-256 matches the sidecar the host wrote next to it; the bytes are hashed in memory and deserialized from
/// that same buffer, so the file cannot change between check and load. Keys cover the Wasmtime version, the engine
/// configuration, the machine architecture and the module hash.</summary>
internal static class ModuleCache
{
    private const int MaxEntries = 6;

    public static (Module Module, CacheResult Result, string? Path) Load(Engine engine, string configKey, byte[] wasm, string wasmSha256, string? directory)
    {
        if (directory is null)
        {
            return (Module.FromBytes(engine, "dotnet.native.wasm", wasm), CacheResult.Disabled, null);
        }

        var key = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(configKey + "\n" + wasmSha256)))[..32];
        var path = Path.Combine(directory, $"dotnet.native-{key}.cwasm");
        var sidecar = path + ".sha256";
        var result = CacheResult.Miss;
        if (File.Exists(path) || File.Exists(sidecar))
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                var expected = File.ReadAllText(sidecar).Trim();
                if (string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), expected, StringComparison.Ordinal))
                {
                    var loaded = Module.Deserialize(engine, "dotnet.native.wasm", bytes);
                    Touch(path);
                    return (loaded, CacheResult.Hit, path);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or WasmtimeException)
            {
            }

            result = CacheResult.Rebuilt;
            TryDelete(path);
            TryDelete(sidecar);
        }

        var module = Module.FromBytes(engine, "dotnet.native.wasm", wasm);
        try
        {
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var compiled = module.Serialize();
            var temp = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temp, compiled);
            File.WriteAllText(sidecar + "." + Environment.ProcessId + ".tmp", Convert.ToHexStringLower(SHA256.HashData(compiled)));
            File.Move(temp, path, overwrite: true);
            File.Move(sidecar + "." + Environment.ProcessId + ".tmp", sidecar, overwrite: true);
            Prune(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // An unwritable cache only costs compile time on the next start.
        }

        return (module, result, path);
    }

    /// <summary>Keeps the most recently used entries (snapshot modules change with every build of the bootstrap).</summary>
    private static void Prune(string directory)
    {
        foreach (var stale in new DirectoryInfo(directory).GetFiles("dotnet.native-*.cwasm").OrderByDescending(f => f.LastWriteTimeUtc).Skip(MaxEntries))
        {
            TryDelete(stale.FullName);
            TryDelete(stale.FullName + ".sha256");
        }
    }

    private static void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // recently used entries survive pruning
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
