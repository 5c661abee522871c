namespace Hyperagents.Hosting.Tests.Support;

/// <summary>
/// Debian's <c>runsc</c> (gVisor), installed with apt when missing. When workers cannot run under it here, every test
/// using it fails with the reason: a containment test that silently passes proves nothing.
/// </summary>
public sealed class RunscFixture
{
    /// <summary>The contained options of the runsc runtime (the default platform, ptrace).</summary>
    public static readonly ContainedOptions Options = new() { Runtime = ContainedRuntime.Runsc };

    public RunscFixture()
    {
        if (!File.Exists("/usr/bin/runsc"))
        {
            Apt.Install("runsc");
        }

        var availability = ContainedAvailability.Check(Options);
        if (!availability.Available)
        {
            throw new InvalidOperationException("The contained tier cannot run under runsc here: " + availability.Detail);
        }

        Availability = availability;
    }

    public ContainedAvailability Availability { get; }
}
