using Hyperagents.Hosting.Tests.Support;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>Every native call starts from the state of a new worker process, whatever an earlier call changed in its own
/// process: the same variant, another variant, and another entry point all see the fresh state.</summary>
[Collection("workers")]
public sealed class FreshStateTests
{
    /// <summary>The process-wide mutable APIs reachable by agent code (see <c>Agents/ProcessState.cs</c> for how each is
    /// changed and observed), with what a fresh worker reports.</summary>
    public static readonly IReadOnlyDictionary<string, string> FreshState = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CultureInfo.CurrentCulture"] = "1.5",
        ["CultureInfo.CurrentUICulture"] = ".",
        ["CultureInfo.DefaultThreadCurrentCulture"] = "unset",
        ["CultureInfo.DefaultThreadCurrentUICulture"] = "unset",
        ["ArrayPool<byte>.Shared"] = "clean",
        ["ArrayPool<char>.Shared"] = "clean",
        ["ArrayPool<int>.Shared"] = "clean",
        ["ArrayPool<string>.Shared"] = "clean",
        ["MemoryPool<byte>.Shared"] = "clean",
        ["string.Intern"] = "not interned",
        ["Regex.CacheSize"] = "15",
        ["Encoding.RegisterProvider"] = "unknown",
        ["Monitor.Enter(shared object)"] = "free",
    };

    [Fact]
    public async Task What_one_call_changes_in_its_process_no_later_call_sees()
    {
        // One spare, as in a run: the next call's worker is started while the mutating call runs.
        await using var runner = Some.Runner(o => o with { SpareWorkers = 1 });
        var variantA = TestCompiler.Agent("ProcessState");
        var variantB = TestCompiler.Compile("ProcessStateB", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Agents", "ProcessState.cs"))
            .Replace("Variant = \"A\"", "Variant = \"B\"", StringComparison.Ordinal));
        Assert.NotEqual(variantA.Id, variantB.Id);

        AssertRows("a never-used worker", FreshState, await SolveAsync(variantA, "observe"));

        // The mutation is real: the call that makes it sees every row changed.
        var mutated = await SolveAsync(variantA, "mutate");
        foreach (var (api, fresh) in FreshState)
        {
            Assert.True(mutated.TryGetValue(api, out var value) && value != fresh, $"{api}: the mutating call still sees '{value}'; the row does not test anything");
        }

        AssertRows("the same variant, next call", FreshState, await SolveAsync(variantA, "observe"));
        AssertRows("another variant, next call", FreshState, await SolveAsync(variantB, "observe"));

        // Another entry point mutates, then a task call observes.
        var handler = new RecordingHandler();
        var meta = await runner.ModifySelfAsync(variantA, Some.Meta(), handler, Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, meta.Kind);
        Assert.Equal(mutated, Parse(handler.Files["observed.txt"]));
        AssertRows("a task call after a meta call", FreshState, await SolveAsync(variantB, "observe"));

        async Task<Dictionary<string, string>> SolveAsync(CompiledAgent agent, string mode)
        {
            var outcome = await runner.SolveTaskAsync(agent, Some.Task(mode), new RecordingHandler(), Some.Limits(), CancellationToken.None);
            Assert.True(outcome.Kind == OutcomeKind.Completed, $"{mode}: {outcome.Label}: {outcome.Detail}");
            return Parse(outcome.Answer!);
        }
    }

    private static void AssertRows(string when, IReadOnlyDictionary<string, string> expected, Dictionary<string, string> observed)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), observed.Keys.Order(StringComparer.Ordinal));
        var stale = expected.Where(row => observed[row.Key] != row.Value).Select(row => $"{row.Key}: '{observed[row.Key]}' instead of '{row.Value}'").ToList();
        Assert.True(stale.Count == 0, $"{when} sees state left by an earlier call:{Environment.NewLine}{string.Join(Environment.NewLine, stale)}");
    }

    private static Dictionary<string, string> Parse(string answer) =>
        answer.Split('\n').Select(line => line.Split('=', 2)).ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
}
