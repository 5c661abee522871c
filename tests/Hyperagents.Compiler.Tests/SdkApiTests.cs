using Xunit;

namespace Hyperagents.Compiler.Tests;

/// <summary>
/// The SDK's public API is what every archived agent compiles against: a change to it can break them all. Its text form
/// (<see cref="PublicApi"/>) is kept in <c>Sdk.api.txt</c> beside this file; any difference fails until it is reviewed
/// and accepted.
/// </summary>
public sealed class SdkApiTests
{
    private const string AcceptVariable = "HYPERAGENTS_ACCEPT_API";

    [Fact]
    public void The_SDKs_public_API_matches_its_approved_baseline()
    {
        var baselinePath = RepositoryRoot.Combine("tests", "Hyperagents.Compiler.Tests", "Sdk.api.txt");
        var receivedPath = Path.ChangeExtension(baselinePath, ".received.txt");
        var actual = PublicApi.Render(typeof(TaskContext).Assembly);
        var approved = File.Exists(baselinePath) ? File.ReadAllText(baselinePath).ReplaceLineEndings("\n") : "";
        if (actual == approved)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(baselinePath, actual);
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        var before = approved.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var after = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var diff = before.Except(after).Select(l => "- " + l).Concat(after.Except(before).Select(l => "+ " + l));
        Assert.Fail(
            $"The public API of Hyperagents.Sdk differs from the approved {baselinePath}:\n{string.Join('\n', diff)}\n\n" +
            "Every archived agent compiles against this API. If the change is intended and reviewed, accept it: copy " +
            $"{receivedPath} over {baselinePath} (or run this test with {AcceptVariable}=1) and commit the baseline with the change.");
    }
}
