using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Hyperagents.Archive;
using Hyperagents.Cli;
using Hyperagents.Cli.Runs;
using Hyperagents.Engine;
using Snapshooter;
using Snapshooter.Xunit;
using Spectre.Console.Testing;

namespace Hyperagents.Reporting.Tests;

/// <summary>
/// Snapshots of <c>lineage</c>, <c>show</c>, <c>audit</c> and <c>status</c> on the planted run, one output line per JSON
/// array element in <c>__snapshots__/*.snap</c> so a diff of a snapshot reads like a diff of the output.
/// </summary>
/// <remarks>
/// Commit ids of the planted run are reproducible (fixed clock), but they change whenever anyone changes what a commit
/// records (provenance fields, tool versions), which is not a change of these commands' output. So ids are normalised:
/// each planted variant's id and its 12- and 7-character prefixes become a name (<c>&lt;seed&gt;</c>, <c>&lt;meta-child&gt;</c>, ...),
/// the journal head becomes <c>&lt;journal-head&gt;</c> and the temporary folder <c>&lt;archive&gt;</c>. Everything else is
/// compared verbatim. A missing snapshot fails when <c>CI</c> is set instead of being recorded; to record or update,
/// run locally without <c>CI</c> and delete the stale <c>.snap</c> (mismatches are written to <c>__mismatch__/</c>).
/// </remarks>
public sealed class CliSnapshotTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly PlantedRun _planted;

    public CliSnapshotTests() => _planted = PlantedRun.Create(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Lineage() => Match(Cli("lineage", PlantedRun.Name));

    [Fact]
    public void Lineage_of_one_variant() => Match(Cli("lineage", PlantedRun.Name, _planted.MetaChild[..8]));

    [Fact]
    public void Show_meta_child() => Match(Cli("show", PlantedRun.Name, _planted.MetaChild[..8]));

    [Fact]
    public void Show_protected_path_attempt() => Match(Cli("show", PlantedRun.Name, _planted.ProtectedAttempt[..8]));

    [Fact]
    public void Audit() => Match(Cli("audit", PlantedRun.Name));

    [Fact]
    public void Audit_json_of_one_variant() => Match(Cli("audit", PlantedRun.Name, _planted.MetaChild[..8], "--json"));

    [Fact]
    public void Status() => Match(Cli("status", PlantedRun.Name));

    [Fact]
    public void Progress_lines()
    {
        // Plain lines (output that is not a terminal) with a clock the test sets: one minute per event.
        var console = new TestConsole().Width(400);
        var minutes = 0;
        var progress = new RunProgress(console, planned: 4, alreadyDone: 0, budget: () => "no budget but generations",
            clock: () => TimeSpan.FromMinutes(minutes), raw: id => id == _planted.Seed ? "Σr n26 2.58143, n28 2.70012" : "Σr n26 2.61279, n28 2.71551");
        minutes = 1;
        progress.OnEvent(new SeedEvaluated(_planted.Seed, 0.98831, 0.0011));
        minutes = 2;
        progress.OnEvent(new AttemptArchived(1, _planted.TaskChild, _planted.Seed, "accepted", 0.98839, false, 0.0004, NewBest: true));
        minutes = 4;
        progress.OnEvent(new AttemptArchived(2, _planted.ProtectedAttempt, _planted.TaskChild, "rejected: protected-path attempt", null, false));
        progress.OnEvent(new RunStopped("time budget spent", false));

        Assert.Equal(new RunRates(TimeSpan.FromMinutes(4), 2, 2, 2), progress.Rates);
        Match("exit 0\n" + console.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task The_live_panel_shows_the_pace()
    {
        var console = new TestConsole().Width(250).Interactive();
        var minutes = 0;
        var progress = new RunProgress(console, planned: 4, alreadyDone: 0, budget: () => "no budget", clock: () => TimeSpan.FromMinutes(minutes));
        await progress.ShowAsync(() =>
        {
            minutes = 3;
            progress.OnEvent(new SeedEvaluated(_planted.Seed, 0.98831, 0.0011));
            progress.OnEvent(new AttemptArchived(1, _planted.TaskChild, _planted.Seed, "accepted", 0.98839, false, 0.0004, NewBest: true));
            return Task.FromResult(0);
        });

        var output = console.Output;
        foreach (var header in new[] { "elapsed", "evaluations/min", "children/min", "ETA" })
        {
            Assert.Contains(header, output, StringComparison.Ordinal);
        }

        // 2 evaluations and 1 child in 3 minutes; 3 generations left at 3 minutes each.
        Assert.Matches(@"00:03:00\s*│\s*0\.7\s*│\s*0\.3\s*│\s*00:09:00", output);
    }

    [Fact]
    public void Pace_and_estimate()
    {
        Assert.Equal("00:04:00 elapsed, 0.5 evaluations/min, 0.5 children/min, ETA 00:04:00", new RunRates(TimeSpan.FromMinutes(4), 2, 2, 2).ToString());
        Assert.Equal("00:00:00 elapsed, 0.0 evaluations/min, 0.0 children/min, ETA -", new RunRates(TimeSpan.Zero, 0, 0, 5).ToString());
        Assert.Equal(TimeSpan.Zero, new RunRates(TimeSpan.FromHours(30), 9, 9, 0).Eta);
        Assert.Equal("30:00:00", RunRates.Clock(TimeSpan.FromHours(30)));
    }

    [Fact]
    public void Status_of_a_resumed_run()
    {
        // What resume records: the settings it ran with (a new target of 9) and each session's pace.
        using (var run = ArchiveRun.Open(_planted.Folder))
        {
            var config = System.Text.Json.Nodes.JsonNode.Parse(run.ReadManifest().Config!.Value.GetRawText())!;
            config["settings"]!["generations"] = 9;
            config["settings"]!["parallel"] = 2;
            RunState.SaveSettings(run, System.Text.Json.JsonDocument.Parse(config.ToJsonString()).RootElement);
            var first = RunState.BeginSession(run);
            first(new RunRates(TimeSpan.FromMinutes(3), 4, 5, 1));
            var second = RunState.BeginSession(run);
            second(new RunRates(TimeSpan.FromMinutes(1), 1, 1, 0));
        }

        Match(Cli("status", PlantedRun.Name));
    }

    [Fact]
    public void Normalising_keeps_differences_visible()
    {
        // The normaliser must not hide a change of the output: two runs' outputs differ after normalising exactly where
        // the raw outputs differ in anything but ids.
        var a = Normalise(Cli("lineage", PlantedRun.Name));
        Assert.Contains("<meta-child> g2 accepted train=0.900 (right of 40 t1 36) val=0.600 (right of 40 v1 24) best invalid-parent", a, StringComparison.Ordinal);
        Assert.DoesNotMatch("[0-9a-f]{12}", a);
    }

    private string Cli(params string[] args)
    {
        var console = new TestConsole().Width(140);
        var exit = CliApp.RunAsync([.. args, "--archive", _temp.Path], console).GetAwaiter().GetResult();
        return $"exit {exit}\n" + console.Output.ReplaceLineEndings("\n");
    }

    private string Normalise(string output)
    {
        var names = new (string Id, string Name)[]
        {
            (_planted.Seed, "<seed>"), (_planted.TaskChild, "<task-child>"), (_planted.MetaChild, "<meta-child>"),
            (_planted.ProtectedAttempt, "<protected-attempt>"), (_planted.ForbiddenApi, "<forbidden-api>"),
            (_planted.FirstFailure, "<first-failure>"), (_planted.SecondFailure, "<second-failure>"),
        };
        foreach (var length in new[] { 40, 12, 7 })
        {
            foreach (var (id, name) in names)
            {
                output = output.Replace(id[..length], name, StringComparison.Ordinal);
            }
        }

        using (var run = ArchiveRun.Open(_planted.Folder))
        {
            output = output.Replace(run.JournalHead, "<journal-head>", StringComparison.Ordinal).Replace(run.JournalHead[..16], "<journal-head>", StringComparison.Ordinal);
        }

        output = output.Replace(_temp.Path, "<archive>", StringComparison.Ordinal);
        return Regex.Replace(output, @"[ \t]+\n", "\n");
    }

    private void Match(string output, [CallerMemberName] string name = "", [CallerFilePath] string file = "")
    {
        // Snapshooter keeps snapshots in __snapshots__ under the folder it is given: the folder of this source file.
        var folder = Path.GetDirectoryName(file)!;
        var snapshot = $"{nameof(CliSnapshotTests)}.{name}.snap";
        if (!File.Exists(Path.Combine(folder, "__snapshots__", snapshot)) && IsCi())
        {
            Assert.Fail($"The snapshot {snapshot} is missing and CI is set, so it is not recorded. Run the test locally (without CI) and commit __snapshots__/{snapshot}.");
        }

        Snapshot.Match(Normalise(output).TrimEnd('\n').Split('\n'), new SnapshotFullName(snapshot, folder));
    }

    private static bool IsCi() =>
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci && !ci.Equals("false", StringComparison.OrdinalIgnoreCase) && ci != "0";
}
