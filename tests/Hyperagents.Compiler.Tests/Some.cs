using Hyperagents.Compiler;

namespace Hyperagents.Compiler.Tests;

/// <summary>Test data and shared instances.</summary>
internal static class Some
{
    private static readonly Lazy<AgentCompiler> LazyCompiler = new(() => new AgentCompiler());

    /// <summary>One compiler for the whole run (it is thread-safe), with the default policy next to the assembly.</summary>
    public static AgentCompiler Compiler => LazyCompiler.Value;

    public static string AgentsDir => Path.Combine(AppContext.BaseDirectory, "Agents");

    public static string BenignDir => Path.Combine(AgentsDir, "Benign");

    public static string MaliciousDir => Path.Combine(AgentsDir, "Malicious");

    /// <summary>Sources that make the compiler itself allocate without bound: only ever compiled in a worker.</summary>
    public static string CompileBombsDir => Path.Combine(AgentsDir, "CompileBombs");

    /// <summary>A compiler that compiles in workers started from the CLI assembly next to the tests, as the CLI does.</summary>
    public static AgentCompiler WorkerCompiler(int maxWorkers = 1) => new(new AgentCompilerOptions
    {
        Worker = new CompileWorkerOptions
        {
            Launch = Hyperagents.Hosting.NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll")),
            MaxWorkers = maxWorkers,
        },
    });

    public static string RepoPolicyPath => RepositoryRoot.Combine("sandbox", "policy.txt");

    public static AgentSource Single(string code, string path = "task/Agent.cs") =>
        AgentSource.FromFiles(new Dictionary<string, string> { [path] = code });

    public const string EntryPoints = """
        public static class Entry
        {
            public static Task<string> SolveTask(TaskContext context) => Task.FromResult("ok");

            public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
        }
        """;

    public static AgentSource WithEntryPoints(string code) =>
        AgentSource.FromFiles(new Dictionary<string, string> { ["task/Agent.cs"] = code, ["meta/Entry.cs"] = "namespace Probe;\n\n" + EntryPoints });

    /// <summary>A compiler whose policy is the default one plus extra lines (for probing compiler-synthesised calls).</summary>
    public static AgentCompiler WithExtraPolicy(string extra)
    {
        var dir = Directory.CreateTempSubdirectory("ha-policy-");
        var path = Path.Combine(dir.FullName, "policy.txt");
        File.WriteAllText(path, File.ReadAllText(RepoPolicyPath) + "\n" + extra + "\n");
        try
        {
            // The policy is read once, in the constructor.
            return new AgentCompiler(new AgentCompilerOptions { PolicyPath = path });
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A fresh folder, removed when the test process ends.</summary>
    public static string TempDir()
    {
        var folder = Directory.CreateTempSubdirectory("ha-agent-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
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

        return folder;
    }
}
