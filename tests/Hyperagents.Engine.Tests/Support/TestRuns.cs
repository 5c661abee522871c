using Hyperagents.Archive;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;

namespace Hyperagents.Engine.Tests.Support;

/// <summary>Test hyperagents (Agents/Base overlaid with Agents/&lt;name&gt;), temporary runs and loops over them.</summary>
internal static class TestRuns
{
    /// <summary>The files of a test hyperagent: the base agent with the named folder's files on top.</summary>
    public static Dictionary<string, string> Agent(string name)
    {
        var files = Read(Path.Combine(AppContext.BaseDirectory, "Agents", "Base"));
        if (name != "Base")
        {
            foreach (var (path, content) in Read(Path.Combine(AppContext.BaseDirectory, "Agents", name)))
            {
                files[path] = content;
            }
        }

        return files;
    }

    /// <summary>Writes a test hyperagent to a fresh folder (for the CLI's --seed-agent).</summary>
    public static string AgentFolder(string name)
    {
        var folder = TempFolder("agent-" + name);
        foreach (var (path, content) in Agent(name))
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        return folder;
    }

    public static string TempFolder(string label)
    {
        var folder = Path.Combine(Path.GetTempPath(), "ha-engine-tests", label + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        DeleteAtExit(folder);
        return folder;
    }

    /// <summary>Removes a test's folder when the test process ends (a failed run's folder is kept while it runs).</summary>
    public static void DeleteAtExit(string folder) => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    };

    /// <summary>Settings for quick runs: circle-packing, native isolation, one replicate per task (tests that are about
    /// replicates ask for more), generous limits for a loaded 2-core machine.</summary>
    public static RunSettings Settings(int generations = 3) => new()
    {
        Domain = "circle-packing",
        Generations = generations,
        Replicates = 1,
        Isolation = "native",
        TaskLimits = new RunLimits { WallClock = TimeSpan.FromSeconds(60) },
        MetaLimits = new RunLimits { WallClock = TimeSpan.FromSeconds(120) },
    };

    public static NativeRunner NativeRunner() => new(NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")) with
    {
        PoolSize = 2,
        KillGrace = TimeSpan.FromSeconds(10),
        StartTimeout = TimeSpan.FromSeconds(60),
    });

    private static readonly Dictionary<string, IDomain> Shipped = new(StringComparer.Ordinal);

    /// <summary>A built-in domain as the CLI opens it: a shipped package's evaluator in an evaluator worker (opened once
    /// per test process and file, the worker ended at exit), or the dataset domain from the package generated from its file.</summary>
    public static IDomain Domain(string name, string? datasetPath = null)
    {
        var key = datasetPath is null ? name : $"{name}:{datasetPath}";
        lock (Shipped)
        {
            if (Shipped.TryGetValue(key, out var opened))
            {
                return opened;
            }

            var launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
            var domain = DomainCatalog.Create(name, package => EvaluatorWorker.Open(package, launch), datasetPath);
            if (domain is PackageDomain package)
            {
                Shipped.Add(key, package);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => package.Dispose();
            }

            return domain;
        }
    }

    public static DgmhLoop Loop(ArchiveRun archive, RunSettings settings, IAgentRunner runner, Action<RunEvent>? listener = null, AgentCompiler? compiler = null, IModelAccess? models = null, Func<IDomain, IDomain>? view = null)
    {
        var domain = Domain(settings.Domain, settings.DatasetPath);
        domain = view is null ? domain : view(domain);
        return new DgmhLoop(new RunServices
        {
            Archive = archive,
            Settings = settings,
            Domain = domain,
            Compiler = compiler ?? Compiler,
            Runner = runner,
            EvaluatorHash = EvaluatorHash.For(domain),
            Listener = listener,
            Models = models ?? ModelAccess.None,
        });
    }

    /// <summary>A compiler that compiles in memory-bounded worker processes, as the CLI's does.</summary>
    public static AgentCompiler WorkerCompiler() => new(new AgentCompilerOptions
    {
        Worker = new CompileWorkerOptions { Launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")) },
    });

    /// <summary>One compiler for the whole test run: Roslyn's first compile is the slow one.</summary>
    public static AgentCompiler Compiler { get; } = new();

    public static ArchiveRun NewArchive(string label = "run") =>
        ArchiveRun.Create(Path.Combine(TempFolder(label), "run"), new RunManifest("test", "circle-packing", "test"));

    /// <summary>The attempt number each child records in its provenance.</summary>
    public static Dictionary<string, int> AttemptOf(ArchiveRun archive) =>
        archive.ListVariants().Where(v => v.Parent is not null)
            .ToDictionary(v => v.Id, v => (int)archive.ReadProvenance(v.Id).Seeds!["attempt"]);

    private static Dictionary<string, string> Read(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllText);
}
