using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;

namespace Hyperagents.Bench.Domains;

/// <summary>Built-in domains as every command opens them: a shipped package's evaluator in an evaluator worker.</summary>
internal static class BenchDomains
{
    /// <summary>Σ r of AlphaEvolve's published 26-circle packing (the circle-packing package's n26 reference).</summary>
    public const double Reference26 = 2.6358627564136983;

    /// <summary>How evaluator workers start: the CLI assembly next to the benchmark.</summary>
    public static NativeRunnerOptions Launch { get; } = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));

    /// <summary>Opens a built-in domain by name (the dataset domain needs <paramref name="datasetPath"/>).</summary>
    public static IDomain Open(string name, string? datasetPath = null) =>
        DomainCatalog.Create(name, package => EvaluatorWorker.Open(package, Launch), datasetPath);
}
