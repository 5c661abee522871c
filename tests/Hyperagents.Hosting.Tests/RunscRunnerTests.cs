using Hyperagents.Hosting.Tests.Support;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The contained tier under gVisor (<c>--runtime runsc</c>): every threat row of <see cref="ContainedThreatRows"/>
/// against gVisor's user-space kernel, and the rows of runsc alone (its platform option, a missing runsc).</summary>
[Collection("workers")]
public sealed class RunscRunnerTests : ContainedThreatRows, IClassFixture<RunscFixture>
{
    public RunscRunnerTests(RunscFixture runsc) => Assert.True(runsc.Availability.Available);

    protected override ContainedOptions Containment => RunscFixture.Options;

    protected override string TierName => ContainedRunner.RunscRunnerName;

    protected override bool GrandchildIsAHostProcess => false;

    [Fact]
    public void The_kvm_platform_is_an_option_and_an_unknown_platform_is_an_options_error()
    {
        Assert.Equal("ptrace", new ContainedOptions().RunscPlatform);
        var error = Assert.Throws<InvalidOptionsException>(() => new ContainedRunner(Some.Options(), RunscFixture.Options with { RunscPlatform = "systrap" }));
        Assert.Contains("RunscPlatform must be one of ptrace, kvm (was 'systrap')", error.Message);
    }

    [Fact]
    public void A_missing_runsc_is_a_user_error_naming_the_install_before_any_worker_starts()
    {
        var missing = RunscFixture.Options with { RunscPath = "/nonexistent/runsc" };
        var error = Assert.Throws<ContainedUnavailableException>(() => new ContainedRunner(Some.Options(), missing));
        Assert.IsAssignableFrom<UserErrorException>(error);
        Assert.Contains("apt-get install runsc", error.Message);
    }
}
