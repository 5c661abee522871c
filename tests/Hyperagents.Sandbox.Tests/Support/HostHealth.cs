using System.Diagnostics;
using Hyperagents.Hosting;
using Xunit;

namespace Hyperagents.Sandbox.Tests.Support;

/// <summary>After an attack: the host process answers, its RSS stayed within a bound, and the next evaluation works.</summary>
public static class HostHealth
{
    /// <summary>How much the host's resident set may grow across one attack (the guest's linear memory is freed with its store).</summary>
    public const long RssBoundBytes = 384L * 1024 * 1024;

    public static long Rss()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    public static async Task AssertHealthyAsync(SandboxFixture fixture, long rssBefore)
    {
        var next = await fixture.SolveAsync("Hello");
        Assert.Equal(OutcomeKind.Completed, next.Kind);
        Assert.Equal("answer:42", next.Answer);
        var growth = Rss() - rssBefore;
        Assert.True(growth < RssBoundBytes, $"host RSS grew by {growth / (1024 * 1024)} MiB (bound {RssBoundBytes / (1024 * 1024)} MiB)");
    }
}
