using System.CommandLine;
using System.Text;
using Hyperagents.Reporting;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents report &lt;run&gt; [-o file]</c>: one self-contained HTML file (tree, plots, variants with diffs and transcripts).</summary>
internal static class ReportCommand
{
    public static Command Create(CliContext context)
    {
        var archive = ArchiveCommandSupport.ArchiveOption();
        var runArgument = ArchiveCommandSupport.RunArgument();
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the HTML (default: <run>-report.html in the current folder)." };
        var command = new Command("report", "Write a self-contained HTML report of a run: lineage tree, best-so-far plots, per-domain scores, every variant's diff and transcript.")
        {
            runArgument, archive, output,
        };
        var thresholdOptions = new AuditThresholdOptions();
        thresholdOptions.AddTo(command);
        command.SetAction((parse, _) => Task.FromResult(ArchiveCommandSupport.WithRun(context, parse, archive, runArgument, run =>
        {
            var errors = new List<string>();
            var thresholds = thresholdOptions.Read(parse, errors);
            if (errors.Count > 0)
            {
                return ArchiveCommandSupport.Error(context, string.Join(" ", errors));
            }

            var html = HtmlReport.Render(run, thresholds);
            var path = Path.GetFullPath(parse.GetValue(output) ?? $"{run.ReadManifest().Name}-report.html");
            try
            {
                var folder = Path.GetDirectoryName(path);
                if (folder is not null)
                {
                    Directory.CreateDirectory(folder);
                }

                File.WriteAllText(path, html, new UTF8Encoding(false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return ArchiveCommandSupport.Error(context, $"cannot write the report to {path}: {e.Message}. Pass a writable path with --output.");
            }

            context.Console.MarkupLine($"report written: [link]{Markup.Escape(path)}[/] ({html.Length / 1024} KiB, opens offline)");
            return 0;
        })));
        return command;
    }
}
