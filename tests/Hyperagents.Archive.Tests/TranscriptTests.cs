using Hyperagents.Archive;

namespace Hyperagents.Archive.Tests;

/// <summary>The typed transcript against lines the code wrote before it existed (tests/fixtures/format-2026-12).</summary>
public sealed class TranscriptTests
{
    internal static string Fixture(string name)
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
    public void Every_line_of_a_transcript_written_before_typed_records_reads_as_its_record_and_writes_back_byte_for_byte()
    {
        var text = Fixture("transcript.jsonl");

        var records = Transcript.Read(text);

        Assert.DoesNotContain(records, r => r is UnreadLine);
        Assert.Equal(text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, records.Count);
        Assert.Equal(["call", "diagnostic", "log", "model", "outcome"], records.Select(Transcript.TypeOf).Distinct().Order(StringComparer.Ordinal));
        var first = Assert.IsType<CallRecord>(records[0]);
        Assert.Equal("lineage", first.Capability);
        Assert.Equal(2086.28, first.At);
        Assert.Contains("maxAncestors", first.Request, StringComparison.Ordinal);
        Assert.Equal(6, records.OfType<LogRecord>().Count());
        var outcome = Assert.Single(records.OfType<OutcomeRecord>());
        Assert.Equal(("completed", 19, 0), (outcome.Outcome, outcome.HostCalls, outcome.DroppedLogLines));
        Assert.Equal(text, Transcript.Write(records));
    }

    [Fact]
    public void Old_diagnostic_lines_give_their_id_and_message_new_ones_carry_them_as_fields()
    {
        var old = Transcript.Read(Fixture("transcript.jsonl")).OfType<DiagnosticRecord>().ToList();

        Assert.Equal(["HA0001", "CS1002"], old.Select(d => d.DiagnosticId));
        Assert.Equal(["'System.IO.File.ReadAllText' is not allowed by the capability policy", "; expected"], old.Select(d => d.DiagnosticMessage));

        var written = Transcript.Write([new DiagnosticRecord("a.cs(1,2): HA0003: no (really)", "HA0003", "no (really)")]);
        var read = Assert.IsType<DiagnosticRecord>(Assert.Single(Transcript.Read(written)));
        Assert.Equal(("HA0003", "no (really)"), (read.DiagnosticId, read.DiagnosticMessage));
    }

    [Fact]
    public void A_model_line_reads_as_a_conversation_with_roles_tool_calls_and_replies()
    {
        var model = Assert.Single(Transcript.Read(Fixture("transcript.jsonl")).OfType<ModelRecordLine>());

        var exchanges = model.Read();

        Assert.Equal(3, model.Count);
        Assert.Equal([1, 2, 3], exchanges.Select(e => e.Sequence));
        Assert.Equal(["system", "user"], exchanges[0].Messages.Select(m => m.Role));
        var call = Assert.Single(exchanges[0].Reply!.ToolCalls);
        Assert.Equal(("call_1", "read_file"), (call.Id, call.Name));
        Assert.Contains(exchanges[1].Messages, m => m.Role == "tool" && m.ToolCallId == "call_1");
        Assert.Equal("Raised the search depth to 4.", exchanges[2].Reply!.Text);
    }

    [Theory]
    [InlineData("not json at all", "unparsed")]
    [InlineData("[1,2]", "unparsed")]
    [InlineData("{\"no\":\"type\"}", "entry")]
    [InlineData("{\"type\":\"call\",\"at\":{\"x\":1}}", "call")]
    [InlineData("{\"type\":\"diagnostic\"}", "diagnostic")]
    [InlineData("{\"type\":\"model\"}", "model")]
    [InlineData("{\"kind\":\"note\",\"text\":\"x\"}", "note")]
    public void A_line_that_is_no_known_record_is_kept_as_an_unread_line_never_an_exception(string line, string type)
    {
        var record = Assert.Single(Transcript.Read("\n" + line + "\r\n\n"));

        var unread = Assert.IsType<UnreadLine>(record);
        Assert.Equal(line, unread.Line);
        Assert.Equal(type, Transcript.TypeOf(record));
        Assert.Throws<ArgumentException>(() => Transcript.Write([record]));
    }

    [Theory]
    [InlineData("val", 0.7)]
    [InlineData("train", 0.6)]
    [InlineData("staged", 0.2)]
    [InlineData(null, null)]
    public void The_selection_score_is_val_else_train_else_staged_and_never_test(string? split, double? expected)
    {
        var all = new Dictionary<string, double> { ["val"] = 0.7, ["train"] = 0.6, ["staged"] = 0.2, ["test"] = 0.9 };
        var order = new[] { "val", "train", "staged" };
        var kept = split is null ? [] : order[Array.IndexOf(order, split)..];
        var scores = all.Where(s => s.Key == "test" || kept.Contains(s.Key)).ToDictionary();

        Assert.Equal(expected, SelectionScore.Of(scores));
        Assert.Equal(split, SelectionScore.SplitOf(scores.ContainsKey));
    }
}
