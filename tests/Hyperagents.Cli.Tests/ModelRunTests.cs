using System.Text;
using Hyperagents.Archive;
using Hyperagents.TestSupport;

namespace Hyperagents.Cli.Tests;

/// <summary>Runs of the real program against a scripted stand-in for a language model (an OpenAI-compatible endpoint on
/// 127.0.0.1, ephemeral port, real HTTP).</summary>
public sealed class ModelRunTests : IDisposable
{
    internal const string FakeKey = "sk-hyperagents-FAKE-7f3c9a1e5d2b4c68";
    private readonly CliProcess _cli = new();

    public ModelRunTests() => _cli.Environment["OPENAI_API_KEY"] = FakeKey;

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Scripted_stand_in_model_run_edits_its_own_meta_file_records_tokens_replays_offline_and_never_records_the_key()
    {
        string child;
        await using (var server = await ScriptedOpenAiServer.StartAsync())
        {
            server.Responder = ScriptedMetaModel.Reply;
            var (exit, output) = _cli.Run("run", "--domain", "circle-packing", "--generations", "3", "--tasks", "1", "--replicates", "1", "--name", "m",
                "--seed-agent", CliProcess.SeedAgent, "--model", "openai:gpt-scripted", "--endpoint", server.BaseUrl.ToString());

            Assert.True(exit == 0, output);
            Assert.Contains("all 3 generations done", output);
            Assert.Contains("sandbox isolation", output);
            // Three ModifySelf calls, two chat completions each: the tool calls, then (after the tool results) the answer.
            Assert.Equal(6, server.Requests.Count);
            Assert.All(server.Requests, r => Assert.Equal("Bearer " + FakeKey, r.Headers["Authorization"]));
            Assert.Equal(3, server.Requests.Count(r => r.Body.Contains("\"tool_call_id\":\"call_compile_3\"", StringComparison.Ordinal)));
            // The scratchpad ran in a fresh sandbox VM and its value and log went back to the model as the tool result.
            Assert.Equal(3, server.Requests.Count(r => r.Body.Contains("value: 351\\nlog:\\n[info] summing", StringComparison.Ordinal)));

            using var run = ArchiveRun.Open(Path.Combine(_cli.Archive, "m"));
            var children = run.ListVariants().Where(v => v.Parent is not null).ToList();
            Assert.Equal(3, children.Count);
            var accepted = children.Where(v => v.Status.State == VariantState.Accepted).ToList();
            Assert.NotEmpty(accepted);
            child = accepted[0].Id;
            var p = run.ReadProvenance(child);
            Assert.Contains(p.Changes, c => c.Path == "meta/MutationPolicy.cs" && c.Kind == FileKind.Meta);
            Assert.Contains(p.Changes, c => c.Path == "task/TaskAgent.cs" && c.Kind == FileKind.Task);
            Assert.StartsWith(ScriptedMetaModel.MetaEdit, run.GetFiles(child)["meta/MutationPolicy.cs"], StringComparison.Ordinal);
            Assert.NotEmpty(run.GetEvaluations(child));
            Assert.Equal(2700, p.Model!.InputTokens);
            Assert.Equal(110, p.Model.OutputTokens);
            Assert.Equal(2, p.Model.Requests);
            Assert.Equal("gpt-scripted", p.Model.Model);
            var transcript = run.ReadTranscript(child)!;
            Assert.Contains("{\"type\":\"model\",\"exchanges\":[", transcript, StringComparison.Ordinal);
            Assert.Contains("call_meta_1", transcript, StringComparison.Ordinal);
        }

        var (statusExit, status) = _cli.Run("status", "m");
        Assert.Equal(0, statusExit);
        Assert.Contains("in 8100, out 330, equivalent 2355", status);
        var (showExit, show) = _cli.Run("show", "m", child);
        Assert.Equal(0, showExit);
        Assert.Contains("2700 in, 110 out, 2 requests", show);
        Assert.Contains("T_eq 785", show);

        // The endpoint is gone: the modification replays from the transcript alone.
        var (replayExit, replay) = _cli.Run("replay", "m", child, "--modification");
        Assert.True(replayExit == 0, replay);
        Assert.Contains("2 model exchanges from the transcript", replay);
        Assert.Contains("identical child tree", replay);
        Assert.Contains("replay matches on 1 variant", replay);

        AssertKeyNowhere(_cli, Path.Combine(_cli.Archive, "m"));
    }

    /// <summary>The key is in no git object of the run, no log file and no console output.</summary>
    internal static void AssertKeyNowhere(CliProcess cli, string runFolder)
    {
        var objects = cli.Git(runFolder, string.Empty, "cat-file", "--batch-all-objects", "--batch");
        Assert.True(objects.Length > 1000, "git cat-file printed the objects");
        Assert.DoesNotContain(FakeKey, objects, StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(runFolder, "*", SearchOption.AllDirectories)
                     .Concat(Directory.EnumerateFiles(Path.Combine(cli.Archive, "logs"), "*", SearchOption.AllDirectories)))
        {
            Assert.DoesNotContain(FakeKey, Encoding.UTF8.GetString(File.ReadAllBytes(file)), StringComparison.Ordinal);
        }

        Assert.True(Directory.EnumerateFiles(Path.Combine(cli.Archive, "logs"), "*.log", SearchOption.AllDirectories).Any(), "the run wrote a log file");
        Assert.DoesNotContain(FakeKey, cli.AllOutput.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-hyperagents", cli.AllOutput.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>Token budgets over the scripted stand-in for a language model (streamed replies).</summary>
public sealed class ModelBudgetTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public ModelBudgetTests() => _cli.Environment["OPENAI_API_KEY"] = ModelRunTests.FakeKey;

    public void Dispose() => _cli.Dispose();

    private void AssertKeyNowhere(string runFolder) => ModelRunTests.AssertKeyNowhere(_cli, runFolder);

    [Fact]
    public async Task A_token_budget_below_the_need_stops_cleanly_and_resume_with_a_higher_budget_continues()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync();
        server.Responder = ScriptedMetaModel.Reply;
        // One attempt costs 110 + 0.25 * 2700 = 785 equivalent tokens: the budget is spent after the first.
        var (exit, output) = _cli.Run("run", "--domain", "circle-packing", "--generations", "2", "--isolation", "native", "--tasks", "1", "--replicates", "1", "--name", "b",
            "--seed-agent", CliProcess.SeedAgent, "--model", "openai:gpt-scripted", "--endpoint", server.BaseUrl.ToString(), "--stream", "true",
            "--token-budget", "785", "--staged-gate", "1");

        Assert.True(exit == 0, output);
        Assert.Contains("token budget is spent", output);
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.True(r.Stream));
        var (_, status) = _cli.Run("status", "b");
        Assert.Contains("1 of 2 (resumable)", status);
        Assert.Contains("token budget is spent: 785 of 785", status);

        // The ledger is saved in the run; without the file, resume rebuilds the totals from the provenance's usage.
        var ledger = Path.Combine(_cli.Archive, "b", "hyperagents", "model-ledger.json");
        Assert.Equal(785, Hyperagents.Models.TokenLedger.ReadState(File.ReadAllText(ledger)).Run.EquivalentTokens);
        File.Delete(ledger);
        var (again, resumed) = _cli.Run("resume", "b", "--token-budget", "100000");
        Assert.True(again == 0, resumed);
        Assert.Contains("all 2 generations done", resumed);
        Assert.Equal(4, server.Requests.Count);
        var (_, after) = _cli.Run("status", "b");
        Assert.Contains("2 of 2 (complete)", after);
        // Status compares the ledger, kept across sessions, with the budget of the latest session.
        Assert.True(after.Contains("T_eq 1570 of 100000", StringComparison.Ordinal), after);
        AssertKeyNowhere(Path.Combine(_cli.Archive, "b"));
    }
}

/// <summary>Broken replies of the scripted stand-in for a language model during a run.</summary>
public sealed class ModelFailureTests : IDisposable
{
    private readonly CliProcess _cli = new();

    public ModelFailureTests() => _cli.Environment["OPENAI_API_KEY"] = ModelRunTests.FakeKey;

    public void Dispose() => _cli.Dispose();

    private void AssertKeyNowhere(string runFolder) => ModelRunTests.AssertKeyNowhere(_cli, runFolder);

    [Fact]
    public async Task A_malformed_or_empty_reply_during_a_run_is_a_failed_child_never_a_crash()
    {
        await using var server = await ScriptedOpenAiServer.StartAsync();
        server.Enqueue(ScriptedReply.Malformed(), ScriptedReply.NoChoices());
        server.Responder = ScriptedMetaModel.Reply;
        var (exit, output) = _cli.Run("run", "--domain", "circle-packing", "--generations", "2", "--isolation", "native", "--tasks", "1", "--replicates", "1", "--name", "f",
            "--seed-agent", CliProcess.SeedAgent, "--model", "openai:gpt-scripted", "--endpoint", server.BaseUrl.ToString(), "--staged-gate", "1");

        Assert.True(exit == 0, output);
        Assert.Contains("all 2 generations done", output);
        using var run = ArchiveRun.Open(Path.Combine(_cli.Archive, "f"));
        var children = run.ListVariants().Where(v => v.Parent is not null).OrderBy(v => v.Sequence).ToList();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(VariantState.Failed, c.Status.State));
        Assert.All(children, c => Assert.Contains("model-failed", run.ReadTranscript(c.Id)!, StringComparison.Ordinal));
        Assert.All(children, c => Assert.StartsWith("model: model-failed", c.Status.Reason, StringComparison.Ordinal));
        Assert.DoesNotContain(run.ListVariants(), v => v.InvalidParent);  // the model failed, not the parent's code
        AssertKeyNowhere(Path.Combine(_cli.Archive, "f"));
    }
}
