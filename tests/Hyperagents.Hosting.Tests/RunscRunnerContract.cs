using System.Reflection;
using Hyperagents.Hosting.Tests.Contract;
using Hyperagents.Hosting.Tests.Support;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The runner contract against contained workers under gVisor (<c>--runtime runsc</c>). A runsc worker takes
/// 0.5–1 s to start, so the whole contract costs minutes: by default this runs the cases of <see cref="Subset"/>, one
/// per outcome kind; <c>HYPERAGENTS_RUNSC_CONTRACT=all</c> runs every case (the <c>runsc-contract</c> benchmark does).</summary>
[Collection("workers")]
public sealed class RunscRunnerContract(RunscRunnerContract.Fixture fixture) : IClassFixture<RunscRunnerContract.Fixture>
{
    /// <summary>One case per outcome kind, and a call whose host runs another call meanwhile (two sandboxes at once).</summary>
    public static readonly IReadOnlyList<string> Subset =
    [
        nameof(RunnerContract.SolveTask_completes_with_the_answer_the_output_and_no_host_calls),
        nameof(RunnerContract.A_thrown_exception_is_a_guest_exception_with_type_and_message),
        nameof(RunnerContract.A_missing_SolveTask_is_gate_rejected_naming_the_entry_point),
        nameof(RunnerContract.An_endless_loop_ends_at_the_deadline),
        nameof(RunnerContract.A_memory_bomb_is_out_of_memory_naming_the_cap),
        nameof(RunnerContract.Unbounded_recursion_is_a_stack_overflow),
        nameof(RunnerContract.Exiting_the_process_is_a_crash_not_a_success),
        nameof(RunnerContract.A_handler_that_throws_is_a_host_fault_naming_the_capability),
        nameof(RunnerContract.Cancelling_a_running_call_is_cancelled),
        nameof(RunnerContract.Exceeding_MaxHostCalls_ends_the_call_as_too_many_host_calls),
        nameof(RunnerContract.ModifySelf_can_have_the_host_run_other_calls_while_it_waits),
    ];

    /// <summary>The cases this run takes: <see cref="Subset"/>, or all with <c>HYPERAGENTS_RUNSC_CONTRACT=all</c>.</summary>
    public static TheoryData<string> Cases()
    {
        var all = Environment.GetEnvironmentVariable("HYPERAGENTS_RUNSC_CONTRACT") == "all";
        var data = new TheoryData<string>();
        foreach (var name in all ? AllCases() : Subset)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>Every case of the contract: a fact by its name, each data row of a theory as <c>name#row</c>.</summary>
    public static IEnumerable<string> AllCases() =>
        typeof(RunnerContract).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetCustomAttribute<FactAttribute>() is not null)
            .SelectMany(m => m.GetCustomAttribute<TheoryAttribute>() is null
                ? [m.Name]
                : m.GetCustomAttributes<InlineDataAttribute>().Select((_, row) => $"{m.Name}#{row}"))
            .Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_contract_case_holds_under_runsc(string name)
    {
        var parts = name.Split('#');
        var method = typeof(RunnerContract).GetMethod(parts[0], BindingFlags.Public | BindingFlags.Instance)!;
        var arguments = parts.Length == 1 ? null : method.GetCustomAttributes<InlineDataAttribute>().ElementAt(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)).GetData(method).Single();
        var result = method.Invoke(fixture.Cases, arguments);
        if (result is Task task)
        {
            await task;
        }
    }

    [Fact]
    public void Every_case_of_the_subset_is_a_case_of_the_contract()
    {
        Assert.Subset(AllCases().ToHashSet(StringComparer.Ordinal), Subset.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>One runsc runner for the class; two workers, so a call can wait on the calls its host runs. Fails (does
    /// not skip) when runsc cannot run here.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public Fixture()
        {
            _ = new RunscFixture(); // installs runsc where it can, and fails with the reason where it cannot run
            Runner = new ContainedRunner(Some.Options(poolSize: 2), RunscFixture.Options);
            Cases = new Contract(Runner);
        }

        public ContainedRunner Runner { get; }

        internal RunnerContract Cases { get; }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Runner.DisposeAsync();
    }

    // Not public, so xunit does not collect its cases on its own: the theory above runs them.
    private sealed class Contract(IAgentRunner runner) : RunnerContract
    {
        protected override IAgentRunner Runner => runner;

        protected override bool MetersFuel => false;
    }
}
