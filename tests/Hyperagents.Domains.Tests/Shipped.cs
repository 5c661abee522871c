using Hyperagents.Compiler;
using Hyperagents.Domains.Tests.Packages;

namespace Hyperagents.Domains.Tests;

/// <summary>The built-in domains shipped as packages (the program's <c>domains/</c> folder, as the CLI finds them),
/// each opened once per test process with its evaluator in an evaluator worker: the path every command takes.</summary>
internal static class Shipped
{
    /// <summary>Σ r of AlphaEvolve's published 26-circle packing (the circle-packing package's n26 reference).</summary>
    public const double Reference26 = 2.6358627564136983;

    /// <summary>Σ r of AlphaEvolve's published 32-circle packing (the n32 reference).</summary>
    public const double Reference32 = 2.937944526205518;

    /// <summary>AlphaEvolve's published C1 (the first-autocorrelation reference of every task).</summary>
    public const double AutocorrelationReference = 1.5052939684401607;

    /// <summary>The four math built-ins, in listing order.</summary>
    public static readonly string[] MathNames = ["circle-packing", "heilbronn-triangle", "kissing-number", "first-autocorrelation"];

    private static readonly Dictionary<string, PackageDomain> Opened = new(StringComparer.Ordinal);

    /// <summary>The shipped package of a built-in name, opened as a domain (once per process).</summary>
    public static PackageDomain Domain(string name)
    {
        lock (Opened)
        {
            if (!Opened.TryGetValue(name, out var domain))
            {
                domain = EvaluatorWorker.Open(DomainCatalog.Shipped(name)!, TestPackages.Launch);
                Opened.Add(name, domain);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => domain.Dispose();
            }

            return domain;
        }
    }

    /// <summary>The four math built-ins.</summary>
    public static IReadOnlyList<IDomain> Math() => MathNames.Select(Domain).ToList();
}
