using Hyperagents.Hosting.Tests.Support;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The contained tier under bubblewrap (namespaces, seccomp, a capped tmpfs and cgroups on the host's kernel):
/// every threat row of <see cref="ContainedThreatRows"/>, and the rows of bubblewrap alone.</summary>
[Collection("workers")]
public sealed class ContainedRunnerTests : ContainedThreatRows, IClassFixture<BubblewrapFixture>
{
    public ContainedRunnerTests(BubblewrapFixture bubblewrap) => Assert.True(bubblewrap.Availability.Available);

    protected override ContainedOptions Containment { get; } = new();

    protected override string TierName => ContainedRunner.RunnerName;

    protected override bool GrandchildIsAHostProcess => true;

    [Fact]
    public void An_unavailable_tier_is_a_user_error_naming_the_fix_before_any_worker_starts()
    {
        var missing = new ContainedOptions { BwrapPath = "/nonexistent/bwrap" };
        var availability = ContainedAvailability.Check(missing);
        Assert.False(availability.Available);
        Assert.Contains("apt-get install bubblewrap", availability.Detail);

        var error = Assert.Throws<ContainedUnavailableException>(() => new ContainedRunner(Some.Options(), missing));
        Assert.IsAssignableFrom<UserErrorException>(error);
        Assert.Contains("install bubblewrap", error.Message);
    }

    [Fact]
    public void Invalid_contained_options_are_one_options_error_listing_each_problem()
    {
        var error = Assert.Throws<InvalidOptionsException>(() => new ContainedRunner(Some.Options(), new ContainedOptions { ScratchBytes = 1, MaxTasks = 1, CpuCores = double.NaN }));
        Assert.Equal(3, error.Errors.Count);
        Assert.Contains("ScratchBytes must be between 1 MiB and 4 GiB", error.Message);
    }
}
