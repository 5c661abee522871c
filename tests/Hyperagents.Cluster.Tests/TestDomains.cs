using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;

namespace Hyperagents.Cluster.Tests;

/// <summary>Built-in domains as the CLI opens them: a shipped package's evaluator in an evaluator worker, opened once
/// per test process and ended at exit.</summary>
internal static class TestDomains
{
    private static readonly Dictionary<string, IDomain> Opened = new(StringComparer.Ordinal);

    public static IDomain Open(string name)
    {
        lock (Opened)
        {
            if (Opened.TryGetValue(name, out var domain))
            {
                return domain;
            }

            var launch = NativeRunnerOptions.ForCliAssembly(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
            domain = DomainCatalog.Create(name, package => EvaluatorWorker.Open(package, launch));
            if (domain is PackageDomain package)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => package.Dispose();
            }

            Opened.Add(name, domain);
            return domain;
        }
    }
}
