using Hyperagents.Sandbox;

namespace Hyperagents.Cli.Tests;

/// <summary>The packed tool ships only the runtime-pack assemblies listed in <c>sandbox/boot-assemblies.txt</c>
/// (<c>TrimToolPayload</c> in the CLI's project file): the list must hold every assembly the sandbox boots.</summary>
public sealed class PackagingTests
{
    [Fact]
    public void The_packed_tools_boot_list_holds_every_assembly_the_sandbox_boots()
    {
        var listed = File.ReadAllLines(Path.Combine(CliProcess.RepoRoot, "sandbox", "boot-assemblies.txt"))
            .Where(l => l.Trim().Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var cache = Directory.CreateTempSubdirectory("hyperagents-cwasm-");
        try
        {
            using var engine = SandboxEngine.Create(new SandboxOptions { CacheDirectory = cache.FullName, PoolSize = 0, BootFromImage = false });
            var booted = engine.BootAssemblyNames.Where(n => !n.StartsWith("Hyperagents.", StringComparison.Ordinal)).ToList();

            Assert.Contains("System.Private.CoreLib", booted);
            Assert.DoesNotContain(booted, n => !listed.Contains(n));
            // Nothing listed that the sandbox does not boot: the list is what the tool needs, not more.
            Assert.DoesNotContain(listed, n => !booted.Contains(n, StringComparer.OrdinalIgnoreCase));
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
