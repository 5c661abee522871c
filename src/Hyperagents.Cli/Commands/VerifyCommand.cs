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
        var command = new Command("verify", "Check a run: every variant's provenance against its tree and parent, refs and notes against the journal, signatures.")
        {
            runArgument, archive, trusted,
        };
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, runArgument, run =>
        {
            var key = parse.GetValue(trusted);
            if (key is not null && File.Exists(key))
            {
                key = string.Join(' ', File.ReadAllText(key).Trim().Split(' ').Take(2));
            }

            var report = run.Verify(key);
            foreach (var problem in report.Problems)
            {
                var who = problem.Variant is { } v ? $"variant {v[..Math.Min(12, v.Length)]}" : "run";
                context.Console.MarkupLine($"[red]FAIL[/] {Markup.Escape(who)}: {Markup.Escape(problem.Message)}");
            }

            context.Console.MarkupLine(report.Ok
                ? $"[green]ok[/]: {report.Variants} variants and {report.Notes} notes verified; journal head {report.JournalHead}"
                : $"[red]{report.Problems.Count} problem(s)[/] in {report.Variants} variants; journal head {report.JournalHead}");
            return report.Ok ? 0 : 1;
        })));
        return command;
    }
}
