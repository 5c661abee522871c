using Hyperagents.Archive;
using Hyperagents.Transport;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Spectre.Console;
using Spectre.Console.Testing;

namespace Hyperagents.Cli.Tests;

/// <summary>Hardening items 7, 8 and 10: bad names and folders are one line and exit 2; a bug is one line and a crash file;
/// guest text reaches no terminal or log with its controls, bidirectional overrides or zero-width characters intact.</summary>
public sealed class ErrorTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("ha-errors-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static (int Exit, string Output) Cli(params string[] args)
    {
        var console = new TestConsole().Width(250);
        var exit = CliApp.RunAsync(args, console).GetAwaiter().GetResult();
        return (exit, console.Output.ReplaceLineEndings("\n"));
    }

    public static TheoryData<string, string> BadRunNames => new()
    {
        { "../escaped", "not a plain run name" },
        { "/tmp/absolute", "not a plain run name" },
        { "sub/dir", "not a plain run name" },
        { "", "the run name is empty" },
        { new string('a', 300), "the cap is 100" },
        { ".hidden", "must start with a letter or digit" },
        { "trailing.", "must start with a letter or digit and not end with '.'" },
        { "nul", "reserved device name" },
        { "COM1.run", "reserved device name" },
        { "spoof\u202Egnp.exe", "\\u202E" },
        { "zero\u200Bwidth", "\\u200B" },
        { "white space", "not a plain run name" },
        { "c:drive", "not a plain run name" },
    };

    [Theory]
    [MemberData(nameof(BadRunNames))]
    public void A_run_name_that_is_not_one_plain_folder_name_is_one_line_and_exit_2(string name, string expected)
    {
        var archive = Path.Combine(_temp, "archive");
        var (exit, output) = Cli("run", "--domain", "circle-packing", "--generations", "1", "--name", name, "--archive", archive);

        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --name: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(archive), "nothing is created for a refused name");
        Assert.False(Directory.Exists(Path.Combine(_temp, "escaped")));
        Assert.True(SafeText.IsClean(output), output);
    }

    [Theory]
    [InlineData("ok-name_2.v1")]
    [InlineData("circle-packing-20261203-101500")]
    public void Plain_run_names_are_accepted(string name) => Assert.Null(ArchiveStore.RunNameProblem(name));

    public static TheoryData<string, string> BadArchiveFolders => new()
    {
        { "file", "is a file, not a folder" },
        { "file/under-a-file", "cannot be used" },
        { "/proc/hyperagents-archive", "cannot be used" },
        { "/proc/self/status/x", "cannot be used" },
    };

    [Theory]
    [MemberData(nameof(BadArchiveFolders))]
    public void An_unusable_archive_folder_is_one_line_and_exit_2(string folder, string expected)
    {
        File.WriteAllText(Path.Combine(_temp, "file"), "not a folder");
        var archive = Path.IsPathRooted(folder) ? folder : Path.Combine(_temp, folder);
        var (exit, output) = Cli("run", "--domain", "circle-packing", "--generations", "1", "--name", "x", "--archive", archive);

        Assert.Equal(2, exit);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: The archive folder '", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains("--archive <a writable folder>", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bug_is_one_line_naming_a_crash_file_that_holds_the_trace()
    {
        var console = new TestConsole().Width(400);
        var logs = Path.Combine(_temp, "logs");
        Exception thrown;
        try
        {
            throw new InvalidOperationException("boom\nsecond line");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        var exit = CliApp.Failed(console, thrown, ["status", "x"], logs);

        Assert.Equal(70, exit);
        var line = Assert.Single(console.Output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: internal error: InvalidOperationException: boom | second line. This is a bug", line, StringComparison.Ordinal);
        var crash = Assert.Single(Directory.GetFiles(logs, "crash-*.log"));
        Assert.Contains(crash, line, StringComparison.Ordinal);
        var details = File.ReadAllText(crash);
        Assert.Contains("hyperagents status x", details, StringComparison.Ordinal);
        Assert.Contains(nameof(A_bug_is_one_line_naming_a_crash_file_that_holds_the_trace), details, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_error_of_any_assembly_is_its_message_alone_and_exit_2()
    {
        var console = new TestConsole().Width(400);
        var exit = CliApp.Failed(console, new ArchiveException("The run 'x' does not exist.\nList runs with `hyperagents runs`."), ["status", "x"], Path.Combine(_temp, "logs"));

        Assert.Equal(2, exit);
        Assert.Equal("error: The run 'x' does not exist. | List runs with `hyperagents runs`.\n", console.Output.ReplaceLineEndings("\n"));
        Assert.False(Directory.Exists(Path.Combine(_temp, "logs")), "a user error is not a crash");
    }

    public static TheoryData<string> Spoofs => new()
    {
        "\u202Eevil", "a\u200Bb", "a\u200Db", "\u2066iso\u2069", "\uFEFFbom", "soft\u00ADhyphen", "\u001b[2Jclear", "bell\u0007",
        "csi\u009b31m", "tag\U000E0041", "filler\u3164", "alm\u061C", "lrm\u200E",
    };

    [Theory]
    [MemberData(nameof(Spoofs))]
    public void Guest_text_reaches_the_console_with_every_spoofing_character_escaped(string guest)
    {
        var inner = new TestConsole().Width(200);
        IAnsiConsole console = new SafeConsole(inner);
        console.MarkupLine($"reason: {Markup.Escape(guest)}");
        console.Write(new Table().AddColumn("file").AddRow(Markup.Escape(guest)));

        Assert.True(SafeText.IsClean(inner.Output), inner.Output);
        Assert.Contains(SafeText.ForDisplay(guest), inner.Output, StringComparison.Ordinal);
        Assert.Contains("\\", inner.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Guest_text_in_log_events_is_escaped_before_any_sink_sees_it()
    {
        var sink = new Collect();
        using (var logger = new LoggerConfiguration().Enrich.With(new SafeTextEnricher()).WriteTo.Sink(sink).CreateLogger())
        {
            logger.Information("variant {Reason} files {Files} meta {@Meta}", "gate: \u202Etxt.exe", new[] { "task/a\u200B.cs" }, new { Note = "\u001b[31m" });
        }

        var rendered = Assert.Single(sink.Events).RenderMessage();
        Assert.True(SafeText.IsClean(rendered), rendered);
        Assert.Contains("\\u202Etxt.exe", rendered, StringComparison.Ordinal);
        Assert.Contains("a\\u200B.cs", rendered, StringComparison.Ordinal);
        Assert.Contains("\\x1B[31m", rendered, StringComparison.Ordinal);
    }

    private sealed class Collect : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
