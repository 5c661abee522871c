using System.Text.Json;
using Hyperagents.Archive;

namespace Hyperagents.Reporting.Tests;

/// <summary>Audit and report of a variant whose transcript was written before typed records (tests/fixtures/format-2026-12).</summary>
public sealed class TranscriptReadingTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _folder;
    private readonly string _child;

    // Today's lines, then one written by the typed records: a host call whose request holds a file.
    private readonly string _transcript = Fixture("transcript.jsonl")
        + Transcript.Write([new CallRecord(1.5, "workspace.write", "{\"path\":\"task/A.cs\",\"content\":\"class A\\n{\\n    int X => 1 < 2 ? 1 : 0;\\n}\\n\"}", "{}", null)]);

    public TranscriptReadingTests()
    {
        _folder = Path.Combine(_temp.Path, "old");
        var config = JsonDocument.Parse("""{"settings":{"domain":"circle-packing"},"modelFlags":[["--temperature","0.5"]]}""").RootElement;
        using var run = ArchiveRun.Create(_folder, new RunManifest("old", "circle-packing", "default", config), new ArchiveOptions { Durability = Durability.None, Clock = new FixedClock() });
        var files = new Dictionary<string, string> { ["task/Solve.cs"] = "class Solve { }\n", ["meta/Modify.cs"] = "class Modify { }\n" };
        var seed = run.AddVariant(new NewVariant { Files = files, Status = VariantStatus.Accepted });
        _child = run.AddVariant(new NewVariant
        {
            Parent = seed,
            Files = new Dictionary<string, string>(files) { ["task/Solve.cs"] = "class Solve { int X; }\n" },
            Status = VariantStatus.Rejected("compile: task/Solve.cs(3,19): HA0001: 'System.IO.File.ReadAllText' is not allowed by the capability policy (+1 more)"),
            Seeds = new Dictionary<string, long> { ["attempt"] = 1, ["meta"] = 7 },
            Transcript = _transcript,
        });
    }

    public void Dispose() => _temp.Dispose();

    private static string Fixture(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "tests", "fixtures", "format-2026-12", name);
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }

        throw new FileNotFoundException(name);
    }

    [Fact]
    public void Audit_reads_tool_calls_outcome_model_calls_and_gate_findings_from_typed_records_of_an_old_transcript()
    {
        using var run = ArchiveRun.Open(_folder);

        var v = Auditor.Audit(run, _child).Variants.Single();

        Assert.Equal(["HA0001: 'System.IO.File.ReadAllText' is not allowed by the capability policy"], v.Gate.ForbiddenApis);
        Assert.Equal("completed", v.Meta.Outcome);
        Assert.Equal(3, v.Meta.ModelCalls);
        Assert.Equal(Transcript.Read(_transcript).Count, v.Meta.TranscriptEntries);
        Assert.Equal(1, v.Meta.Tools["workspace.write"]);
        Assert.Equal(1, v.Meta.Tools["lineage"]);
        Assert.Contains(AuditFlags.ForbiddenApi, v.Flags);
    }

    [Fact]
    public void The_report_renders_an_old_transcript_as_a_conversation_not_as_escaped_json()
    {
        using var run = ArchiveRun.Open(_folder);

        var html = HtmlReport.Render(run);

        const string open = "<script id=\"data\" type=\"application/json\">";
        var data = html[(html.IndexOf(open, StringComparison.Ordinal) + open.Length)..];
        using var doc = JsonDocument.Parse(data[..data.IndexOf("</script>", StringComparison.Ordinal)]);
        var blocks = doc.RootElement.GetProperty(_child[..12]).GetProperty("transcript").EnumerateArray().ToList();
        string Kinds(string kind) => string.Join("|", blocks.Where(b => b.GetProperty("kind").GetString() == kind).Select(b => b.GetProperty("title").GetString()));
        var texts = blocks.SelectMany(b => b.GetProperty("parts").EnumerateArray()).Select(p => p.GetProperty("text").GetString()!).ToList();

        Assert.Equal("system|user", Kinds("system") + "|" + Kinds("user"));
        Assert.Equal(3, blocks.Count(b => b.GetProperty("kind").GetString() == "assistant"));
        Assert.Equal(2, blocks.Count(b => b.GetProperty("kind").GetString() == "tool"));
        Assert.Contains("→ calls read_file (call_1)", texts);
        // Code (a file the model wrote) is shown as code, unescaped, not as a JSON string.
        Assert.Contains(blocks.SelectMany(b => b.GetProperty("parts").EnumerateArray()),
            p => p.GetProperty("code").GetBoolean() && p.GetProperty("text").GetString()!.Contains("\"path\": \"task/TaskAgent.cs\"", StringComparison.Ordinal));
        Assert.Contains("class A\n{\n    int X => 1 < 2 ? 1 : 0;\n}\n", texts);
        Assert.Contains("diagnostic HA0001", Kinds("diagnostic"), StringComparison.Ordinal);
        Assert.StartsWith("outcome: completed", Kinds("outcome"), StringComparison.Ordinal);
        Assert.DoesNotContain(texts, t => t.Contains("\\u0022", StringComparison.Ordinal));
    }
}
