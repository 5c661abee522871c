using System.Text.Json;
using Hyperagents.Hosting.Sessions;
using Hyperagents.Transport;
using Xunit;

namespace Hyperagents.Hosting.Tests;

/// <summary>The host side of the capability channel: every request is untrusted, every refusal is a value.</summary>
public sealed class AgentSessionTests
{
    private static readonly Dictionary<string, string> Files = new()
    {
        ["task/Agent.cs"] = "class A { int x = 1; }",
        ["meta/Meta.cs"] = "class M { }",
    };

    [Theory]
    [InlineData("../outside.cs", "bad-path")]
    [InlineData("/etc/passwd", "bad-path")]
    [InlineData("task\\Agent.cs", "bad-path")]
    [InlineData("task//Agent.cs", "bad-path")]
    [InlineData("eval/score.txt", "protected-path")]
    [InlineData(".hyperagent/provenance.json", "protected-path")]
    [InlineData("Policy/gate.txt", "protected-path")]
    [InlineData("sandbox/policy.txt", "protected-path")]
    public async Task Writes_outside_the_agent_or_to_protected_paths_are_refused_and_protected_ones_remembered(string path, string code)
    {
        var (session, workspace) = Meta();

        var reply = await Call(session, Capabilities.WorkspaceWrite, new WriteRequest(path, "x"), SdkJson.Default.WriteRequest);

        Assert.Equal(code, reply.Error?.Error);
        Assert.Equal(Files.Count, workspace.Snapshot().Count);
        Assert.Equal(code == "protected-path", workspace.ProtectedPathAttempts.Contains(path));
    }

    [Fact]
    public async Task Replace_needs_exactly_one_occurrence()
    {
        var (session, workspace) = Meta(new Dictionary<string, string> { ["task/A.cs"] = "aa b aa" });

        var twice = await Call(session, Capabilities.WorkspaceReplace, new ReplaceRequest("task/A.cs", "aa", "c"), SdkJson.Default.ReplaceRequest);
        var once = await Call(session, Capabilities.WorkspaceReplace, new ReplaceRequest("task/A.cs", "b", "c"), SdkJson.Default.ReplaceRequest);

        Assert.Equal("no-unique-match", twice.Error?.Error);
        Assert.Null(once.Error);
        Assert.Equal("aa c aa", workspace.Snapshot()["task/A.cs"]);
    }

    [Fact]
    public async Task Size_and_count_caps_hold()
    {
        var limits = new WorkspaceLimits { MaxFileBytes = 10, MaxFiles = 2 };
        var workspace = new AgentWorkspace(Files, limits);
        var session = AgentSession.ForMeta(workspace, new NoTools(), null, new SessionOptions());

        var big = await Call(session, Capabilities.WorkspaceWrite, new WriteRequest("task/B.cs", new string('x', 11)), SdkJson.Default.WriteRequest);
        var third = await Call(session, Capabilities.WorkspaceWrite, new WriteRequest("task/C.cs", "x"), SdkJson.Default.WriteRequest);

        Assert.Equal("too-large", big.Error?.Error);
        Assert.Equal("too-many-files", third.Error?.Error);
    }

    [Fact]
    public async Task A_task_session_serves_no_workspace_and_unknown_or_malformed_requests_are_refused()
    {
        var session = AgentSession.ForTask(null, new SessionOptions());

        var workspace = await session.HandleAsync(Capabilities.WorkspaceList, "{}"u8.ToArray(), CancellationToken.None);
        var unknown = await session.HandleAsync("filesystem.read", "{}"u8.ToArray(), CancellationToken.None);
        var malformed = await session.HandleAsync(Capabilities.Log, "{not json"u8.ToArray(), CancellationToken.None);
        var chat = await Call(session, Capabilities.Chat, new ChatRequest([ChatMessage.User("hi")]), SdkJson.Default.ChatRequest);

        Assert.Equal("not-granted", workspace.Error?.Error);
        Assert.Equal("unknown-capability", unknown.Error?.Error);
        Assert.Equal("bad-request", malformed.Error?.Error);
        Assert.Equal("no-model", chat.Error?.Error);
        Assert.Equal(4, session.Transcript.Count);
    }

    [Fact]
    public async Task The_host_sets_the_chat_role_and_counts_model_calls()
    {
        var chat = new RecordingChat();
        var session = AgentSession.ForTask(chat, new SessionOptions { MaxModelCalls = 1 });

        var first = await Call(session, Capabilities.Chat, new ChatRequest([ChatMessage.User("hi")]) { Role = ChatRole.Meta }, SdkJson.Default.ChatRequest);
        var second = await Call(session, Capabilities.Chat, new ChatRequest([ChatMessage.User("again")]), SdkJson.Default.ChatRequest);

        Assert.Null(first.Error);
        Assert.Equal([ChatRole.Task], chat.Roles);
        Assert.Equal("budget-exhausted", second.Error?.Error);
    }

    [Fact]
    public async Task Try_evaluations_are_capped_by_the_session_budget()
    {
        var (session, _) = Meta(options: new SessionOptions { MaxEvaluations = 1 });

        var first = await Call(session, Capabilities.Evaluate, new EvaluateRequest(1), SdkJson.Default.EvaluateRequest);
        var second = await Call(session, Capabilities.Evaluate, new EvaluateRequest(1), SdkJson.Default.EvaluateRequest);

        Assert.Null(first.Error);
        Assert.Equal("budget-exhausted", second.Error?.Error);
    }

    [Fact]
    public async Task A_missing_path_is_refused_and_a_malformed_reach_for_a_protected_name_is_recorded_escaped_and_short()
    {
        var (session, workspace) = Meta();
        var missing = await session.HandleAsync(Capabilities.WorkspaceRead, "{}"u8.ToArray(), CancellationToken.None);
        var nullPath = await session.HandleAsync(Capabilities.WorkspaceWrite, "{\"path\":null,\"content\":\"x\"}"u8.ToArray(), CancellationToken.None);
        var forged = await Call(session, Capabilities.WorkspaceWrite, new WriteRequest("eval/x\n\nHyperagents-Parent: forged", "x"), SdkJson.Default.WriteRequest);
        var huge = await Call(session, Capabilities.WorkspaceWrite, new WriteRequest("eval/" + new string('a', 100_000), "x"), SdkJson.Default.WriteRequest);
        var real = await Call(session, Capabilities.WorkspaceWrite, new WriteRequest("eval/score.cs", "x"), SdkJson.Default.WriteRequest);

        Assert.Equal("bad-path", missing.Error?.Error);
        Assert.Equal("bad-path", nullPath.Error?.Error);

        // A reach for a protected name counts however the path is written; what is recorded (and ends up in the
        // child's status and commit message) is escaped to one line of printable ASCII and capped, so it cannot forge
        // a commit trailer or flood the archive.
        Assert.Equal("protected-path", forged.Error?.Error);
        Assert.DoesNotContain('\n', forged.Error!.Message);
        Assert.Equal("protected-path", huge.Error?.Error);
        Assert.True(huge.Error!.Message.Length < 800, huge.Error.Message);
        Assert.Equal("protected-path", real.Error?.Error);
        Assert.Equal(3, workspace.ProtectedPathAttempts.Count);
        Assert.Equal("eval/x\\u000A\\u000AHyperagents-Parent: forged", workspace.ProtectedPathAttempts[0]);
        Assert.True(workspace.ProtectedPathAttempts[1].Length < 200);
        Assert.Equal("eval/score.cs", workspace.ProtectedPathAttempts[2]);
        Assert.All(workspace.ProtectedPathAttempts, a => Assert.DoesNotContain(a, c => c < ' ' || c > '~'));
    }

    [Fact]
    public async Task Snippets_reach_the_tools_only_from_ModifySelf_within_their_budget()
    {
        var (session, _) = Meta(options: new SessionOptions { MaxSnippets = 1 });
        var first = await Call(session, Capabilities.RunSnippet, new SnippetRequest("1 + 2"), SdkJson.Default.SnippetRequest);
        var second = await Call(session, Capabilities.RunSnippet, new SnippetRequest("3"), SdkJson.Default.SnippetRequest);
        var task = await Call(AgentSession.ForTask(null, new SessionOptions()), Capabilities.RunSnippet, new SnippetRequest("1"), SdkJson.Default.SnippetRequest);
        var budget = JsonSerializer.Deserialize((await session.HandleAsync(Capabilities.Budget, "{}"u8.ToArray(), CancellationToken.None)).Payload, SdkJson.Default.BudgetStatus)!;

        Assert.Equal("5", JsonSerializer.Deserialize(first.Payload, SdkJson.Default.SnippetReport)!.Value);
        Assert.Equal("budget-exhausted", second.Error?.Error);
        Assert.Equal("not-granted", task.Error?.Error);
        Assert.Equal(0, budget.SnippetsLeft);
    }

    [Fact]
    public async Task Log_lines_are_capped_in_length_and_count()
    {
        var session = AgentSession.ForTask(null, new SessionOptions { MaxLogLines = 2, MaxLogLineLength = 5 });

        for (var i = 0; i < 4; i++)
        {
            await Call(session, Capabilities.Log, new LogRequest("info", "0123456789"), SdkJson.Default.LogRequest);
        }

        Assert.Equal(["[info] 01234…", "[info] 01234…"], session.LogLines);
        Assert.Equal(2, session.DroppedLogLines);
    }

    [Fact]
    public async Task A_shared_answer_over_the_cap_or_asked_for_by_a_meta_session_is_never_served()
    {
        var grant = new SessionOptions { SharedBest = new SharedBestGrant(new string('x', SharedBestGrant.MaxChars + 1)) };
        var task = AgentSession.ForTask(null, grant);
        var (meta, _) = Meta(options: grant with { SharedBest = new SharedBestGrant("{}") });

        var big = await Call(task, Capabilities.SharedBest, new Ack(), SdkJson.Default.Ack);
        var fromMeta = await Call(meta, Capabilities.SharedBest, new Ack(), SdkJson.Default.Ack);

        Assert.Equal(new SharedBestReply(null, "no-answer-yet"), JsonSerializer.Deserialize(big.Payload!, SdkJson.Default.SharedBestReply));
        Assert.Equal(new SharedBestReply(null, "not-granted"), JsonSerializer.Deserialize(fromMeta.Payload!, SdkJson.Default.SharedBestReply));
        Assert.Null(task.SharedBestServed);
        Assert.Null(meta.SharedBestServed);
    }

    private static (AgentSession Session, AgentWorkspace Workspace) Meta(Dictionary<string, string>? files = null, SessionOptions? options = null)
    {
        var workspace = new AgentWorkspace(files ?? Files, new WorkspaceLimits());
        return (AgentSession.ForMeta(workspace, new NoTools(), null, options ?? new SessionOptions()), workspace);
    }

    private static async Task<HostReply> Call<T>(AgentSession session, string capability, T request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        await session.HandleAsync(capability, JsonSerializer.SerializeToUtf8Bytes(request, type), CancellationToken.None);

    private sealed class NoTools : IMetaTools
    {
        public CompileReport Compile(IReadOnlyDictionary<string, string> files) => new(true, []);

        public Task<EvaluationReport> EvaluateAsync(IReadOnlyDictionary<string, string> files, int maxTasks, CancellationToken cancellationToken) =>
            Task.FromResult(new EvaluationReport(0.5, [], new CompileReport(true, [])));

        public Task<SnippetReport> RunSnippetAsync(string code, CancellationToken cancellationToken) =>
            Task.FromResult(new SnippetReport("completed", code.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), null, string.Empty, [], null, 1));

        public IReadOnlyList<MutationSite> GetSites(string code) => [];

        public (string Code, MutationReport Report) Mutate(string code, MutationRequest request) => (code, new MutationReport(request.Path, []));

        public IReadOnlyList<LineageEntry> GetLineage(int maxAncestors) => [];
    }

    private sealed class RecordingChat : IChatService
    {
        public List<ChatRole> Roles { get; } = [];

        public Task<ChatReply> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
        {
            Roles.Add(request.Role);
            return Task.FromResult(new ChatReply("ok", [], "stop", 1, 1));
        }
    }
}
