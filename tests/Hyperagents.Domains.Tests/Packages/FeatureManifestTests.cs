using System.Text;
using Hyperagents.Domains;

namespace Hyperagents.Domains.Tests.Packages;

/// <summary>The optional <c>features</c> of a package manifest: the MAP-Elites features of <c>--selection islands</c>.</summary>
public sealed class FeatureManifestTests
{
    private static DomainPackage Read(string features) => DomainPackage.FromFiles(new Dictionary<string, byte[]>
    {
        ["domain.json"] = Encoding.UTF8.GetBytes($$"""{ "name": "f", "answer": "text", "score": { "normalise": "raw" }{{features}}, "tasks": [{ "id": "a", "split": "train" }] }"""),
        ["evaluator/E.cs"] = Encoding.UTF8.GetBytes("// evaluator"),
    }, "test");

    [Fact]
    public void A_manifest_may_name_its_map_elites_features_and_an_unknown_one_is_refused_with_the_known_ones()
    {
        Assert.Null(Read(string.Empty).Features);
        Assert.Equal(["raw", "code-size"], Read(""", "features": ["raw", "code-size"]""").Features);

        var unknown = Assert.Throws<DomainPackageException>(() => Read(""", "features": ["speed"]"""));
        Assert.Contains("feature 'speed' is not one of code-size, diversity, raw", unknown.Message, StringComparison.Ordinal);
        var notList = Assert.Throws<DomainPackageException>(() => Read(""", "features": "raw" """));
        Assert.Contains("must be a list of 1 to 4 names", notList.Message, StringComparison.Ordinal);
    }
}
