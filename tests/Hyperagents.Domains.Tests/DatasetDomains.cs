using System.Text;
using Hyperagents.Compiler;
using Hyperagents.Domains.Tests.Packages;

namespace Hyperagents.Domains.Tests;

/// <summary>Dataset domains as every command opens them: the package generated from JSONL text with the shipped
/// evaluator, evaluated in an evaluator worker (ended at process exit).</summary>
internal static class DatasetDomains
{
    /// <summary>Generates the package of <paramref name="text"/> and opens it.</summary>
    public static PackageDomain Open(string text, DatasetMatch match = DatasetMatch.Exact, double tolerance = DatasetPackage.DefaultTolerance)
    {
        var package = DatasetPackage.Generate("test.jsonl", Encoding.UTF8.GetBytes(text), DomainCatalog.DatasetEvaluator(), match, tolerance);
        var domain = EvaluatorWorker.Open(package, TestPackages.Launch);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => domain.Dispose();
        return domain;
    }
}
