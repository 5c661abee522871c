using System.CommandLine;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents verify &lt;run&gt;</c>: checks every variant's provenance against git; exit 1 on any problem.</summary>
internal static class VerifyCommand
{
    public static Command Create(CliContext context)
    {
        var archive = ArchiveCommandSupport.ArchiveOption();
        var runArgument = ArchiveCommandSupport.RunArgument();
        var trusted = new Option<string?>("--trusted-key")
        {
            Description = "Require the run to be signed with this public key (OpenSSH form, or a .pub file) kept outside the run.",
        };
        var expectHead = new Option<string?>("--expect-head")
        {
            Description = "Require the journal to end at this head (64 hex digits printed by an earlier verify or status, kept outside the run).",
        };
        var rebuild = new Option<bool>("--rebuild-journal")
        {
            Description = "Replace a missing or damaged journal with one derived from git as it is now (trusts git: only for a copy you made or a history you checked), then verify.",
        };
        var command = new Command("verify", "Check a run: every variant's provenance against its tree and parent, every object present, refs and notes against the journal, signatures.")
        {
            runArgument, archive, trusted, expectHead, rebuild,
        };
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, runArgument, run =>
        {
            var key = parse.GetValue(trusted);
            if (key is not null && File.Exists(key))
            {
                key = string.Join(' ', File.ReadAllText(key).Trim().Split(' ').Take(2));
            }

            if (parse.GetValue(rebuild))
            {
                var kept = run.RebuildJournal();
                context.Console.MarkupLine(Markup.Escape(
                    "rebuilt the journal from git as it is now" + (kept is null ? "" : $" (the previous one is kept as {kept})") +
                    "; whatever git held is now the acknowledged history"));
            }

            var report = run.Verify(key, parse.GetValue(expectHead));
            foreach (var problem in report.Problems)
            {
                var who = problem.Variant is { } v ? $"variant {v[..Math.Min(12, v.Length)]}" : "run";
                context.Console.MarkupLine($"[red]FAIL[/] {Markup.Escape(who)}: {Markup.Escape(problem.Message)}");
            }

            context.Console.MarkupLine(report.Ok
                ? $"[green]ok[/]: {report.Variants} variants and {report.Notes} notes verified; journal head {report.JournalHead}"
                : $"[red]{report.Problems.Count} problem(s)[/] in {report.Variants} variants; journal head {report.JournalHead}");
            if (report.Ok && key is null && parse.GetValue(expectHead) is null)
            {
                context.Console.MarkupLine("[grey]Keep the journal head outside the run and pass it back with --expect-head: without it (and without signing), whoever can write the run's folder can forge a consistent history.[/]");
            }

            return report.Ok ? 0 : 1;
        })));
        return command;
    }
}
