using Hyperagents.Hosting.Native;
using Xunit;

namespace Hyperagents.Hosting.Tests;

public sealed class NativeRunnerOptionsTests
{
    [Fact]
    public void Credential_like_variables_cannot_be_inherited_and_all_problems_are_listed()
    {
        var options = new NativeRunnerOptions { WorkerFileName = "dotnet", PoolSize = 0, SpareWorkers = -1, InheritedEnvironment = ["PATH", "OPENAI_API_KEY"] };
        var error = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("PoolSize", error.Message);
        Assert.Contains("SpareWorkers", error.Message);
        Assert.Contains("'OPENAI_API_KEY'", error.Message);
        Assert.DoesNotContain("'PATH'", error.Message);
    }

    [Fact]
    public void Neutralise_shows_control_characters_and_caps_by_utf8_bytes()
    {
        Assert.Equal("a\\x1B[2Jb\\x07\nc\td\\u202Ee", OutputText.Neutralise("a\u001b[2Jb\u0007\r\nc\td\u202Ee", 100, 0));
        Assert.Equal("éé\n[output truncated: 2 characters dropped]", OutputText.Neutralise("éééé", 5, 0));
        Assert.Equal("ab\n[output truncated: 7 characters dropped]", OutputText.Neutralise("ab", 10, 7));
    }

    [Fact]
    public async Task A_worker_that_cannot_start_is_an_infrastructure_error_naming_the_fix()
    {
        await using var runner = new NativeRunner(new NativeRunnerOptions { WorkerFileName = "/nonexistent/hyperagents-worker" });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.WarmUpAsync(256L * 1024 * 1024, CancellationToken.None));
        Assert.Contains("WorkerFileName", error.Message);
    }
}
