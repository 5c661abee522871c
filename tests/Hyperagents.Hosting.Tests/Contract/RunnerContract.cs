using System.Text.Json;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Hosting.Tests.Contract;

/// <summary>The contract every <see cref="IAgentRunner"/> keeps: the same agent event gives the same outcome in every
/// runner. A runner's test project subclasses this once with its runner; each case runs a real agent in the real runner.</summary>
public abstract class RunnerContract
{
    /// <summary>The runner under test (shared by the cases of one class).</summary>
    protected abstract IAgentRunner Runner { get; }

    /// <summary>Whether the runner meters fuel (<see cref="RunLimits.Fuel"/>); runners that do not end at the deadline instead.</summary>
    protected abstract bool MetersFuel { get; }

    /// <summary>Generous limits for a loaded 2-core machine.</summary>
    protected static RunLimits Limits(double wallSeconds = 60) => new()
    {
        WallClock = TimeSpan.FromSeconds(wallSeconds),
        Fuel = 1_000_000_000_000,
        MemoryBytes = 256L * 1024 * 1024,
        MaxOutputBytes = 4096,
    };

    protected static TaskInvocation Invocation(string id = "t1", int n = 21) =>
        new(new TaskSpec("test", id, "A contract task.", new Dictionary<string, string> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) }, null), 42);

    protected static MetaInvocation Meta() => new("modify any part of the codebase", 7, ModelAvailable: false, Domains: ["test"]);

    protected Task<AgentOutcome> SolveAsync(string agent, RecordingHandler? handler = null, RunLimits? limits = null, TaskInvocation? invocation = null, CancellationToken cancellationToken = default) =>
        Runner.SolveTaskAsync(ContractAgents.Get(agent), invocation ?? Invocation(), handler ?? new RecordingHandler(), limits ?? Limits(), cancellationToken);

    protected Task<AgentOutcome> ModifyAsync(string agent, RecordingHandler? handler = null, RunLimits? limits = null) =>
        Runner.ModifySelfAsync(ContractAgents.Get(agent), Meta(), handler ?? new RecordingHandler(), limits ?? Limits(), CancellationToken.None);

    /// <summary>Asserts the outcome's kind, and shows the whole outcome when it differs.</summary>
    protected static void AssertKind(OutcomeKind expected, AgentOutcome outcome) =>
        Assert.True(expected == outcome.Kind, $"expected {expected}, got {outcome}");

    // ---- Completed ----

    [Fact]
    public async Task SolveTask_completes_with_the_answer_the_output_and_no_host_calls()
    {
        var outcome = await SolveAsync("Answer", invocation: Invocation("t7", n: 21));
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("answer:42:t7", outcome.Answer);
        Assert.Equal("stdout line\n", outcome.Output);
        Assert.Equal(0, outcome.HostCalls);
        Assert.Null(outcome.Detail);
    }

    [Fact]
    public async Task ModifySelf_completes_without_an_answer_and_edits_the_workspace()
    {
        var handler = new RecordingHandler();
        var outcome = await ModifyAsync("Answer", handler);
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Null(outcome.Answer);
        Assert.Equal("instruction: modify any part of the codebase", handler.Files["notes.md"]);
        Assert.Equal(1, outcome.HostCalls);
    }

    [Fact]
    public async Task An_empty_answer_is_a_completed_call_with_an_empty_answer()
    {
        var outcome = await SolveAsync("Empty");
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("", outcome.Answer);
    }

    [Fact]
    public async Task A_unicode_answer_arrives_unchanged()
    {
        var outcome = await SolveAsync("Unicode");
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("héllo ☃ 𝄞 日本", outcome.Answer);
    }

    [Fact]
    public async Task Static_state_of_one_call_is_not_visible_to_the_next()
    {
        var first = await SolveAsync("Static");
        var second = await SolveAsync("Static");
        Assert.Equal("1", first.Answer);
        Assert.Equal("1", second.Answer);
    }

    // ---- GuestException ----

    [Fact]
    public async Task A_thrown_exception_is_a_guest_exception_with_type_and_message()
    {
        var outcome = await SolveAsync("Throws", invocation: Invocation("t5"));
        AssertKind(OutcomeKind.GuestException, outcome);
        Assert.Equal("System.InvalidOperationException", outcome.ExceptionType);
        Assert.Equal("boom t5", outcome.Detail);
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task An_exception_after_an_await_is_a_guest_exception()
    {
        var outcome = await SolveAsync("ThrowsAfterAwait");
        AssertKind(OutcomeKind.GuestException, outcome);
        Assert.Equal("System.FormatException", outcome.ExceptionType);
        Assert.Equal("late boom", outcome.Detail);
        Assert.Equal(1, outcome.HostCalls);
    }

    [Fact]
    public async Task ModifySelf_that_throws_is_a_guest_exception()
    {
        var outcome = await ModifyAsync("Throws");
        AssertKind(OutcomeKind.GuestException, outcome);
        Assert.Equal("System.ArgumentException", outcome.ExceptionType);
        Assert.Equal("meta boom", outcome.Detail);
    }

    [Fact]
    public async Task A_null_answer_is_a_guest_exception_that_says_so()
    {
        var outcome = await SolveAsync("Null");
        AssertKind(OutcomeKind.GuestException, outcome);
        Assert.Null(outcome.Answer);
        Assert.Null(outcome.ExceptionType);
        Assert.Contains("SolveTask returned null", outcome.Detail);
    }

    [Fact]
    public async Task An_exception_message_with_escape_sequences_is_neutralised()
    {
        var outcome = await SolveAsync("ThrowsEscapes");
        AssertKind(OutcomeKind.GuestException, outcome);
        Assert.DoesNotContain(outcome.Detail!, c => char.IsControl(c) || c == '\u202e');
        Assert.Contains("alert", outcome.Detail);
    }

    // ---- GateRejected ----

    [Fact]
    public async Task A_missing_SolveTask_is_gate_rejected_naming_the_entry_point()
    {
        var outcome = await SolveAsync("NoEntry");
        AssertKind(OutcomeKind.GateRejected, outcome);
        Assert.Contains("SolveTask", outcome.Detail);
        Assert.Null(outcome.ExceptionType);
    }

    [Fact]
    public async Task A_missing_ModifySelf_is_gate_rejected_naming_the_entry_point()
    {
        var outcome = await ModifyAsync("SolveOnly");
        AssertKind(OutcomeKind.GateRejected, outcome);
        Assert.Contains("ModifySelf", outcome.Detail);
    }

    [Fact]
    public async Task A_SolveTask_of_the_wrong_signature_is_gate_rejected()
    {
        var outcome = await SolveAsync("WrongSignature");
        AssertKind(OutcomeKind.GateRejected, outcome);
        Assert.Contains("Task<string> SolveTask(TaskContext)", outcome.Detail);
    }

    // ---- Limits: deadline, fuel, memory, stack ----

    [Fact]
    public async Task An_endless_loop_ends_at_the_deadline()
    {
        var outcome = await SolveAsync("Loop", limits: Limits(wallSeconds: 2));
        AssertKind(OutcomeKind.Deadline, outcome);
        Assert.Contains("RunLimits.WallClock", outcome.Detail);
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task Catch_and_finally_games_do_not_outlast_the_deadline()
    {
        var outcome = await SolveAsync("CatchingLoop", limits: Limits(wallSeconds: 2));
        AssertKind(OutcomeKind.Deadline, outcome);
    }

    [Fact]
    public async Task A_host_call_that_outlasts_the_deadline_ends_the_call_at_the_deadline()
    {
        var handler = new RecordingHandler
        {
            Override = (capability, _, token) => capability == Capabilities.Log ? Slow(token) : null,
        };
        var outcome = await SolveAsync("Loop", handler, Limits(wallSeconds: 2));
        AssertKind(OutcomeKind.Deadline, outcome);
        Assert.Null(outcome.Answer);

        static async ValueTask<HostReply> Slow(CancellationToken token)
        {
            await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(30), token);
            return HostReply.Fail("late", "too late");
        }
    }

    [Fact]
    public async Task An_endless_loop_under_a_small_fuel_budget_ends_out_of_fuel_where_fuel_is_metered()
    {
        var limits = Limits(wallSeconds: 5) with { Fuel = 50_000_000 };
        var outcome = await SolveAsync("Loop", limits: limits);
        AssertKind(MetersFuel ? OutcomeKind.OutOfFuel : OutcomeKind.Deadline, outcome);
    }

    [Fact]
    public async Task Fuel_is_reported_exactly_where_it_is_metered()
    {
        var outcome = await SolveAsync("Answer");
        Assert.Equal(MetersFuel, outcome.FuelConsumed is > 0);
        Assert.Equal(MetersFuel, outcome.FuelConsumed is not null);
    }

    [Fact]
    public async Task A_memory_bomb_is_out_of_memory_naming_the_cap()
    {
        var outcome = await SolveAsync("MemoryBomb", limits: Limits() with { MemoryBytes = 128L * 1024 * 1024 });
        AssertKind(OutcomeKind.OutOfMemory, outcome);
        Assert.Contains("128 MiB", outcome.Detail);
    }

    [Fact]
    public async Task A_thrown_OutOfMemoryException_is_out_of_memory()
    {
        var outcome = await SolveAsync("ClaimsOom");
        AssertKind(OutcomeKind.OutOfMemory, outcome);
    }

    [Fact]
    public async Task Unbounded_recursion_is_a_stack_overflow()
    {
        var outcome = await SolveAsync("Recurse");
        AssertKind(OutcomeKind.StackOverflow, outcome);
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task An_insufficient_execution_stack_is_a_stack_overflow()
    {
        var outcome = await SolveAsync("NoStack");
        AssertKind(OutcomeKind.StackOverflow, outcome);
    }

    // ---- Crashed ----

    [Fact]
    public async Task Exiting_the_process_is_a_crash_not_a_success()
    {
        var outcome = await SolveAsync("Exit");
        AssertKind(OutcomeKind.Crashed, outcome);
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task An_answer_over_the_message_cap_is_a_crash_naming_the_limit()
    {
        var outcome = await SolveAsync("BigAnswer", limits: Limits() with { MaxMessageBytes = 16 * 1024 });
        AssertKind(OutcomeKind.Crashed, outcome);
        Assert.Contains("RunLimits.MaxMessageBytes", outcome.Detail);
        Assert.Null(outcome.Answer);
    }

    // ---- HostFault ----

    [Fact]
    public async Task A_handler_that_throws_is_a_host_fault_naming_the_capability()
    {
        var handler = new RecordingHandler { Override = (_, _, _) => throw new InvalidOperationException("database on fire") };
        var outcome = await SolveAsync("Refusal", handler);
        AssertKind(OutcomeKind.HostFault, outcome);
        Assert.Contains("database on fire", outcome.Detail);
        Assert.Contains("'budget'", outcome.Detail);
    }

    // ---- Cancelled ----

    [Fact]
    public async Task Cancelling_a_running_call_is_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var handler = new RecordingHandler
        {
            Override = (capability, _, _) =>
            {
                cancel.Cancel();
                return null;
            },
        };
        var outcome = await SolveAsync("Loop", handler, cancellationToken: cancel.Token);
        AssertKind(OutcomeKind.Cancelled, outcome);
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task Cancelling_during_a_host_call_is_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var handler = new RecordingHandler
        {
            Override = (_, _, token) => Hang(token),
        };
        var outcome = await SolveAsync("Loop", handler, cancellationToken: cancel.Token);
        AssertKind(OutcomeKind.Cancelled, outcome);

        async ValueTask<HostReply> Hang(CancellationToken token)
        {
            cancel.Cancel();
            await System.Threading.Tasks.Task.Delay(Timeout.Infinite, token);
            return HostReply.Fail("never", "never");
        }
    }

    [Fact]
    public async Task A_call_cancelled_before_it_starts_is_cancelled_and_runs_nothing()
    {
        var handler = new RecordingHandler();
        var outcome = await SolveAsync("Loop", handler, cancellationToken: new CancellationToken(canceled: true));
        AssertKind(OutcomeKind.Cancelled, outcome);
        Assert.Empty(handler.Requests);
        Assert.Equal(0, outcome.HostCalls);
    }

    // ---- Host calls: accounting, limit, errors ----

    [Fact]
    public async Task Exceeding_MaxHostCalls_ends_the_call_as_too_many_host_calls()
    {
        var handler = new RecordingHandler();
        var outcome = await SolveAsync("Chatty", handler, Limits() with { MaxHostCalls = 10 }, Invocation(n: 50));
        AssertKind(OutcomeKind.TooManyHostCalls, outcome);
        Assert.Contains("RunLimits.MaxHostCalls", outcome.Detail);
        Assert.Equal(10, handler.Requests.Count);
        Assert.Null(outcome.Answer);
    }

    [Fact]
    public async Task The_host_call_limit_cannot_be_caught_by_the_agent()
    {
        var handler = new RecordingHandler();
        var outcome = await SolveAsync("CatchesHostCalls", handler, Limits() with { MaxHostCalls = 5 });
        AssertKind(OutcomeKind.TooManyHostCalls, outcome);
        Assert.Equal(5, handler.Requests.Count);
    }

    [Fact]
    public async Task Exactly_MaxHostCalls_requests_complete_and_are_counted()
    {
        var handler = new RecordingHandler();
        var outcome = await SolveAsync("Chatty", handler, Limits() with { MaxHostCalls = 3 }, Invocation(n: 3));
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("logged", outcome.Answer);
        Assert.Equal(3, outcome.HostCalls);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task A_refusal_is_a_catchable_HostCallException_with_its_code()
    {
        var handler = new RecordingHandler();
        var outcome = await SolveAsync("Refusal", handler);
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("7|chat|no-model", outcome.Answer);
        Assert.Equal(["budget", "chat"], handler.Requests.Select(r => r.Capability));
        Assert.Equal(2, outcome.HostCalls);
    }

    [Theory]
    [InlineData(null, "shared:none", "not-granted")]
    [InlineData("{\"best\":1}", "shared:{\"best\":1}", null)]
    public async Task The_shared_best_answer_is_served_only_under_a_grant_and_recorded_as_a_host_call(string? granted, string answer, string? reason)
    {
        var options = new Sessions.SessionOptions { SharedBest = granted is null ? null : new Sessions.SharedBestGrant(granted) };
        var session = Sessions.AgentSession.ForTask(null, options);
        var outcome = await Runner.SolveTaskAsync(ContractAgents.Get("Shares"), Invocation(), session, Limits(), CancellationToken.None);
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal(answer, outcome.Answer);
        Assert.Equal(granted, session.SharedBestServed);
        var call = Assert.Single(session.Transcript);
        Assert.Equal(Capabilities.SharedBest, call.Capability);
        Assert.Equal(reason, JsonSerializer.Deserialize(call.Reply!, SdkJson.Default.SharedBestReply)!.Reason);
    }

    [Fact]
    public async Task An_oversized_request_is_refused_as_too_large_without_reaching_the_handler()
    {
        var handler = new RecordingHandler();
        var outcome = await SolveAsync("BigRequest", handler, Limits() with { MaxMessageBytes = 16 * 1024 });
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("too-large|after-ok", outcome.Answer);
        Assert.Single(handler.Requests);
        Assert.Equal(2, outcome.HostCalls);
    }

    [Fact]
    public async Task An_oversized_reply_is_refused_as_too_large()
    {
        var handler = new RecordingHandler();
        handler.Files["big.txt"] = new string('y', 64 * 1024);
        var outcome = await ModifyAsync("Reader", handler, Limits() with { MaxMessageBytes = 16 * 1024 });
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("too-large", handler.Files["result.txt"]);
    }

    [Fact]
    public async Task An_empty_reply_of_the_handler_is_refused_as_a_host_error()
    {
        var handler = new RecordingHandler { Override = (capability, _, _) => capability == Capabilities.WorkspaceRead ? ValueTask.FromResult(default(HostReply)) : null };
        var outcome = await ModifyAsync("Reader", handler);
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("host-error", handler.Files["result.txt"]);
    }

    // ---- Re-entrancy: the host runs other calls while serving one ----

    [Fact]
    public async Task ModifySelf_can_have_the_host_run_other_calls_while_it_waits()
    {
        var handler = new RecordingHandler
        {
            Override = (capability, request, _) => capability == Capabilities.RunSnippet ? Nested(request) : null,
        };
        var outcome = await ModifyAsync("Nested", handler);
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("completed:answer:42:t1|guest-exception", handler.Files["result.txt"]);
        Assert.Equal(3, outcome.HostCalls);

        async ValueTask<HostReply> Nested(string request)
        {
            var inner = await SolveAsync(request.Contains("inner-fails", StringComparison.Ordinal) ? "Throws" : "Answer");
            var report = new SnippetReport(inner.Label, inner.Answer, inner.Detail, inner.Output, [], inner.FuelConsumed, inner.Elapsed.TotalMilliseconds);
            return RecordingHandler.Ok(report, SdkJson.Default.SnippetReport);
        }
    }

    // ---- Output caps ----

    [Fact]
    public async Task Output_over_the_cap_is_cut_and_says_so()
    {
        var outcome = await SolveAsync("Flood", limits: Limits() with { MaxOutputBytes = 1024 });
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.Equal("flooded", outcome.Answer);
        var cut = outcome.Output.IndexOf("[output truncated", StringComparison.Ordinal);
        Assert.True(cut > 0, outcome.Output);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(outcome.Output[..cut].TrimEnd('\n')), 900, 1024);
    }

    [Fact]
    public async Task Escape_sequences_in_output_are_neutralised()
    {
        var outcome = await SolveAsync("Flood");
        Assert.StartsWith("\\x1B[31mred\\x1B[0m", outcome.Output);
        Assert.DoesNotContain(outcome.Output, c => (char.IsControl(c) && c != '\n') || c == '\u202e');
    }

    [Fact]
    public async Task A_zero_output_cap_keeps_no_output()
    {
        var outcome = await SolveAsync("Answer", limits: Limits() with { MaxOutputBytes = 0 });
        AssertKind(OutcomeKind.Completed, outcome);
        Assert.DoesNotContain("stdout line", outcome.Output);
    }

    // ---- Misuse by the host is an exception, checked before anything runs ----

    [Fact]
    public async Task Invalid_limits_are_an_options_error_not_an_outcome()
    {
        // Limits are validated one way for every options type (OptionsValidation): an InvalidOptionsException.
        var handler = new RecordingHandler();
        await Assert.ThrowsAsync<InvalidOptionsException>(() => SolveAsync("Answer", handler, Limits() with { MaxHostCalls = 0 }));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task An_empty_image_is_an_argument_exception()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Runner.SolveTaskAsync(new CompiledAgent("x", "empty", []), Invocation(), new RecordingHandler(), Limits(), CancellationToken.None));
    }

    [Fact]
    public void The_runner_is_registered_by_a_lower_case_name_and_can_run_at_least_one_call()
    {
        Assert.Equal(RunnerRegistry.Normalize(Runner.Name), Runner.Name);
        Assert.NotEmpty(Runner.Name);
        Assert.InRange(Runner.Capacity, 1, 1024);
    }
}
