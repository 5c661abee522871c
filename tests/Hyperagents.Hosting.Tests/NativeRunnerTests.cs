using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hyperagents.Hosting.Native;
using Hyperagents.Hosting.Tests.Support;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Hosting.Tests;

[Collection("workers")]
public sealed class NativeRunnerTests
{
    [Fact]
    public async Task SolveTask_completes_with_the_agents_answer_and_captured_output()
    {
        await using var runner = Some.Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task("t7", n: 21), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        var parts = outcome.Answer!.Split('|');
        Assert.Equal("t7", parts[0]);
        Assert.Equal("42", parts[1]);
        Assert.NotEqual(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), parts[2]);
        Assert.Equal("solving t7\n", outcome.Output);
        Assert.Equal(0, outcome.HostCalls);
        Assert.Equal("native", runner.Name);
    }

    [Fact]
    public async Task Capability_requests_reach_the_handler_and_a_refusal_is_a_catchable_HostCallException()
    {
        await using var runner = Some.Runner();
        var handler = new RecordingHandler();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Capabilities"), Some.Task(), handler, Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Equal("7|chat|no-model", outcome.Answer);
        Assert.Equal(["log", "budget", "chat"], handler.Requests.Select(r => r.Capability));
        Assert.Equal(["hello from the agent"], handler.LogLines);
        var chat = JsonSerializer.Deserialize(handler.Requests[2].Request, SdkJson.Default.ChatRequest)!;
        Assert.Equal(ChatRole.Task, chat.Role);
        Assert.Equal(3, outcome.HostCalls);
    }

    [Fact]
    public async Task ModifySelf_edits_the_workspace_through_the_handler()
    {
        await using var runner = Some.Runner();
        var handler = new RecordingHandler();
        handler.Files["task/Agent.cs"] = "return n * 2;";
        var outcome = await runner.ModifySelfAsync(TestCompiler.Agent("Echo"), Some.Meta(), handler, Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Null(outcome.Answer);
        Assert.Equal("return n * 3;", handler.Files["task/Agent.cs"]);
        Assert.Equal("instruction: modify any part of the codebase", handler.Files["notes.md"]);
        Assert.Equal(["workspace.read", "workspace.write", "workspace.write"], handler.Requests.Select(r => r.Capability));
    }

    [Fact]
    public async Task A_guest_exception_is_a_value_with_type_and_message_and_the_next_call_gets_a_fresh_worker()
    {
        await using var runner = Some.Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Throws"), Some.Task(n: 5), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.GuestException, outcome.Kind);
        Assert.Equal("System.InvalidOperationException", outcome.ExceptionType);
        Assert.Equal("boom 5", outcome.Detail);

        var next = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, next.Kind);
        Assert.Equal(2, runner.Statistics.WorkersStarted);
    }

    [Fact]
    public async Task An_image_without_entry_point_is_gate_rejected()
    {
        await using var runner = Some.Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("NoEntry"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.GateRejected, outcome.Kind);
        Assert.Contains("SolveTask", outcome.Detail);

        var garbage = await runner.SolveTaskAsync(new CompiledAgent("x", "garbage", [1, 2, 3, 4]), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.GateRejected, garbage.Kind);
        Assert.Contains("could not be loaded", garbage.Detail);
    }

    [Fact]
    public async Task An_infinite_loop_hits_the_deadline_the_process_tree_is_killed_and_the_next_call_works()
    {
        await using var runner = Some.Runner();
        var handler = new RecordingHandler();
        var limits = Some.Limits(wallSeconds: 3);
        var clock = Stopwatch.StartNew();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Loop"), Some.Task(), handler, limits, CancellationToken.None);
        clock.Stop();

        Assert.Equal(OutcomeKind.Deadline, outcome.Kind);
        Assert.Null(outcome.Answer);
        // The deadline timer and the runner's stopwatch start a moment apart: allow one timer tick below the deadline.
        Assert.InRange(outcome.Elapsed, limits.WallClock - TimeSpan.FromMilliseconds(50), limits.WallClock + TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < limits.WallClock + TimeSpan.FromSeconds(10) + TimeSpan.FromSeconds(60), "returned within deadline + grace (+ worker start)");

        var pids = Assert.Single(handler.LogLines).Split(':');
        var worker = int.Parse(pids[1], CultureInfo.InvariantCulture);
        var child = int.Parse(pids[2], CultureInfo.InvariantCulture);
        Assert.False(Processes.IsAlive(worker), "the worker is dead when the outcome is returned");
        Assert.True(await Processes.GoneWithinAsync(child, TimeSpan.FromSeconds(10)), "the agent's child process was killed with the tree (no orphan)");
        Assert.Equal(1, runner.Statistics.WorkersKilled);

        var next = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, next.Kind);
        Assert.NotEqual(pids[1], next.Answer!.Split('|')[2]);
        Assert.Equal(2, runner.Statistics.WorkersStarted);
    }

    [Fact]
    public async Task Cancellation_kills_the_worker_and_is_reported_as_cancelled()
    {
        await using var runner = Some.Runner();
        var handler = new RecordingHandler();
        using var cancel = new CancellationTokenSource();
        var run = runner.SolveTaskAsync(TestCompiler.Agent("Loop"), Some.Task(), handler, Some.Limits(), cancel.Token);
        while (handler.LogLines.Count == 0)
        {
            await Task.Delay(50);
        }

        cancel.Cancel();
        var outcome = await run;

        Assert.Equal(OutcomeKind.Cancelled, outcome.Kind);
        var worker = int.Parse(handler.LogLines[0].Split(':')[1], CultureInfo.InvariantCulture);
        Assert.False(Processes.IsAlive(worker));
        Assert.Equal(1, runner.Statistics.WorkersKilled);

        var already = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), handler, Some.Limits(), cancel.Token);
        Assert.Equal(OutcomeKind.Cancelled, already.Kind);
        Assert.Equal(1, runner.Statistics.WorkersStarted);
    }

    [Fact]
    public async Task A_stack_overflow_kills_the_worker_only_and_the_next_call_works()
    {
        await using var runner = Some.Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Recurse"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.StackOverflow, outcome.Kind);
        Assert.Contains("died before reporting a result", outcome.Detail);
        Assert.Contains("Stack overflow", outcome.Detail);

        var next = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, next.Kind);
    }

    [Fact]
    public async Task Environment_exit_with_code_zero_is_a_crash_not_a_success()
    {
        await using var runner = Some.Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Exit"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Crashed, outcome.Kind);
        Assert.Null(outcome.Answer);
        Assert.Contains("exit code 0", outcome.Detail);

        var next = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, next.Kind);
    }

    [Fact]
    public async Task A_memory_bomb_stays_in_the_worker()
    {
        await using var runner = Some.Runner();
        var bomb = TestCompiler.Agent("MemoryBomb");
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var before = self.WorkingSet64;
        var limits = Some.Limits() with { MemoryBytes = 128L * 1024 * 1024 };
        var outcome = await runner.SolveTaskAsync(bomb, Some.Task(), new RecordingHandler(), limits, CancellationToken.None);
        self.Refresh();

        Assert.Equal(OutcomeKind.OutOfMemory, outcome.Kind);
        Assert.Equal("System.OutOfMemoryException", outcome.ExceptionType);
        Assert.Contains("128 MiB", outcome.Detail);
        Assert.True(self.WorkingSet64 - before < 100L * 1024 * 1024, $"host working set grew by {(self.WorkingSet64 - before) / 1048576} MiB");

        var next = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), limits, CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, next.Kind);
        Assert.Equal(2, runner.Statistics.WorkersStarted);
    }

    [Fact]
    public async Task Output_is_capped_and_escape_sequences_are_neutralised()
    {
        await using var runner = Some.Runner();
        var limits = Some.Limits() with { MaxOutputBytes = 4096 };
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Flood"), Some.Task(), new RecordingHandler(), limits, CancellationToken.None);

        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Equal("flooded", outcome.Answer);
        Assert.StartsWith("\\x1B[31mred\\x1B[0m\\x1B]0;owned\\x07\nto stderr\n0123456789", outcome.Output);
        Assert.DoesNotContain(outcome.Output, c => char.IsControl(c) && c != '\n');
        Assert.EndsWith("characters dropped]", outcome.Output);
        var kept = outcome.Output[..outcome.Output.LastIndexOf("\n[output truncated", StringComparison.Ordinal)];
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(kept), 4000, 4096);
    }

    [Fact]
    public async Task An_oversized_request_is_refused_without_reaching_the_handler()
    {
        await using var runner = Some.Runner();
        var handler = new RecordingHandler();
        var limits = Some.Limits() with { MaxMessageBytes = 16 * 1024 };
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("BigRequest"), Some.Task(), handler, limits, CancellationToken.None);

        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
        Assert.Equal("too-large|after-ok", outcome.Answer);
        Assert.Equal(["after"], handler.LogLines);
        Assert.Equal(2, outcome.HostCalls);
    }

    [Fact]
    public async Task Exceeding_the_host_call_cap_ends_the_call_out_of_band()
    {
        await using var runner = Some.Runner();
        var handler = new RecordingHandler();
        var limits = Some.Limits() with { MaxHostCalls = 10 };
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Chatty"), Some.Task(), handler, limits, CancellationToken.None);

        Assert.Equal(OutcomeKind.TooManyHostCalls, outcome.Kind);
        Assert.Contains("MaxHostCalls", outcome.Detail);
        Assert.Equal(10, handler.Requests.Count);
        Assert.Equal(1, runner.Statistics.WorkersKilled);
    }

    [Fact]
    public async Task A_forged_frame_on_the_protocol_pipe_is_a_crash_and_the_worker_is_killed()
    {
        await using var runner = Some.Runner();
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("RogueFrame"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.Crashed, outcome.Kind);
        Assert.Contains("broke the protocol", outcome.Detail);
        Assert.Equal(1, runner.Statistics.WorkersKilled);
    }

    [Fact]
    public async Task A_handler_that_throws_is_a_host_fault()
    {
        await using var runner = Some.Runner();
        var handler = new RecordingHandler { Override = (_, _, _) => throw new InvalidOperationException("database on fire") };
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Capabilities"), Some.Task(), handler, Some.Limits(), CancellationToken.None);

        Assert.Equal(OutcomeKind.HostFault, outcome.Kind);
        Assert.Contains("database on fire", outcome.Detail);
    }

    [Fact]
    public async Task Every_call_runs_in_a_worker_of_its_own_that_exits_after_it()
    {
        await using var runner = Some.Runner();
        var pids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task(), new RecordingHandler(), Some.Limits(), CancellationToken.None);
            Assert.Equal(OutcomeKind.Completed, outcome.Kind);
            pids.Add(outcome.Answer!.Split('|')[2]);
        }

        Assert.Equal(3, pids.Distinct().Count());
        Assert.Equal(new NativeRunnerStatistics(Calls: 3, CallsOnSpares: 0, WorkersStarted: 3, WorkersKilled: 0), runner.Statistics);
        foreach (var pid in pids)
        {
            Assert.True(await Processes.GoneWithinAsync(int.Parse(pid, CultureInfo.InvariantCulture), TimeSpan.FromSeconds(30)), $"worker {pid} exited after its call");
        }
    }

    [Fact]
    public async Task A_worker_exits_by_itself_after_its_one_job_even_with_its_pipe_open()
    {
        // The worker enforces one job per process on its own side too: the host does not have to close the pipe.
        var worker = await WorkerProcess.StartAsync(Some.Options(), new RunLimits().MemoryBytes, CancellationToken.None);
        try
        {
            var job = new WorkerJob(WorkerJob.Solve, "agent.Echo", 4096, 1 << 20, Some.Task(), null);
            var meta = JsonSerializer.SerializeToUtf8Bytes(job, WorkerJson.Default.WorkerJob);
            await worker.SendAsync(FrameType.Job, [Frames.Int32(meta.Length), meta, TestCompiler.Agent("Echo").Image], CancellationToken.None);
            var header = await worker.ReadHeaderAsync(CancellationToken.None);
            Assert.Equal(FrameType.Result, header!.Value.Type);
            await worker.ReadBodyAsync(header.Value.Length, CancellationToken.None);

            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the worker exited after its job with its input still open");
            Assert.Contains("exit code 0", worker.Describe());
        }
        finally
        {
            worker.Kill();
            worker.Dispose();
        }
    }

    [Fact]
    public async Task A_worker_runs_in_a_session_of_its_own_so_a_terminal_ctrl_c_does_not_reach_it()
    {
        // A Ctrl+C typed in a terminal goes to its foreground process group; a worker in the host's group would die
        // with it while the host is still stopping gracefully.
        var worker = await WorkerProcess.StartAsync(Some.Options(), new RunLimits().MemoryBytes, CancellationToken.None);
        try
        {
            var (host, child) = (Session("self"), Session(worker.ProcessId.ToString(CultureInfo.InvariantCulture)));
            Assert.NotEqual(host, child);
            Assert.Equal(worker.ProcessId, child);
        }
        finally
        {
            worker.Kill();
            worker.Dispose();
        }

        // /proc/<pid>/stat: "pid (comm) state ppid pgrp session ..."; comm may hold spaces, so count after the ')'.
        static int Session(string pid)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task A_spare_started_ahead_takes_the_next_call_and_no_worker_is_used_twice()
    {
        await using var runner = new NativeRunner(Some.Options(poolSize: 2) with { SpareWorkers = 2 });
        await runner.WarmUpAsync(new RunLimits().MemoryBytes, CancellationToken.None);
        Assert.Equal(2, runner.Statistics.WorkersStarted);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task("t" + i, n: i), new RecordingHandler(), Some.Limits(), CancellationToken.None)));

        Assert.Equal(["t0|0", "t1|2", "t2|4", "t3|6"], outcomes.Select(o => string.Join('|', o.Answer!.Split('|')[..2])));
        Assert.Equal(4, outcomes.Select(o => o.Answer!.Split('|')[2]).Distinct().Count());
        Assert.InRange(runner.Statistics.CallsOnSpares, 2, 4);
        Assert.True(runner.Statistics.WorkersStarted >= 4);
    }

    [Fact]
    public async Task Workers_run_with_os_limits_they_cannot_lift()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // The limits are Linux-only (ProcessLimits); CI runs on Linux.
        }

        await using var runner = Some.Runner();
        var probe = await runner.ProbeAsync("environment", 256L * 1024 * 1024, CancellationToken.None);

        // Read from outside, while the worker is alive: /proc/<pid>/limits and status are what the kernel enforces.
        var limits = File.ReadAllLines($"/proc/{probe.ProcessId}/limits");
        string Row(string name) => string.Join(' ', limits.Single(l => l.StartsWith(name, StringComparison.Ordinal))[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("0 0 bytes", Row("Max core file size"));
        Assert.StartsWith($"{64L * 1024 * 1024} {64L * 1024 * 1024} bytes", Row("Max file size"));
        Assert.StartsWith("512 512 files", Row("Max open files"));
        Assert.Contains(File.ReadAllLines($"/proc/{probe.ProcessId}/status"), l => l.Replace(" ", "").Replace("\t", "") == "NoNewPrivs:1");

        // And the worker still does its job under them.
        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("Echo"), Some.Task("t1", n: 1), new RecordingHandler(), Some.Limits(), CancellationToken.None);
        Assert.Equal(OutcomeKind.Completed, outcome.Kind);
    }

    [Fact]
    public async Task No_api_key_of_the_host_reaches_the_worker_environment()
    {
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", "sk-test-must-not-leak");
        Environment.SetEnvironmentVariable("HYPERAGENTS_TEST_SECRET", "also-not");
        try
        {
            await using var runner = Some.Runner();
            var probe = await runner.ProbeAsync("environment", 256L * 1024 * 1024, CancellationToken.None);

            Assert.NotEqual(Environment.ProcessId, probe.ProcessId);
            Assert.DoesNotContain("OPENAI_API_KEY", probe.Values.Keys);
            Assert.DoesNotContain("HYPERAGENTS_TEST_SECRET", probe.Values.Keys);
            Assert.DoesNotContain(probe.Values.Values, v => v.Contains("sk-test", StringComparison.Ordinal));
            Assert.Equal("10000000", probe.Values["DOTNET_GCHeapHardLimit"]);
            Assert.Equal(Environment.GetEnvironmentVariable("PATH"), probe.Values["PATH"]);
            Assert.DoesNotContain(probe.Values.Keys, k => k.Contains("KEY", StringComparison.OrdinalIgnoreCase) || k.Contains("TOKEN", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENAI_API_KEY", null);
            Environment.SetEnvironmentVariable("HYPERAGENTS_TEST_SECRET", null);
        }
    }

    [Fact]
    public async Task A_late_write_after_the_deadline_never_reaches_the_host()
    {
        await using var runner = Some.Runner();
        var limits = Some.Limits(wallSeconds: 2);
        var slowDone = new TaskCompletionSource();
        var handler = new RecordingHandler
        {
            // The first log is served slowly, past the deadline and ignoring cancellation; the agent would answer
            // and log again as soon as it got a reply.
            Override = (capability, _, _) => capability == Capabilities.Log ? SlowAck() : null,
        };

        var outcome = await runner.SolveTaskAsync(TestCompiler.Agent("LateWriter"), Some.Task(), handler, limits, CancellationToken.None);
        Assert.Equal(OutcomeKind.Deadline, outcome.Kind);
        Assert.Null(outcome.Answer);

        await slowDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(500);
        Assert.Equal(["first"], handler.LogLines);
        Assert.Equal(OutcomeKind.Deadline, outcome.Kind);
        Assert.Null(outcome.Answer);

        async ValueTask<HostReply> SlowAck()
        {
            await Task.Delay(limits.WallClock + TimeSpan.FromSeconds(2), CancellationToken.None);
            slowDone.TrySetResult();
            return HostReply.Ok(JsonSerializer.SerializeToUtf8Bytes(new Ack(), SdkJson.Default.Ack));
        }
    }
}
