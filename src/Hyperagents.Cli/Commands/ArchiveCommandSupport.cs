using System.CommandLine;
using Hyperagents.Archive;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary>What the archive commands share: the <c>--archive</c> option, opening a run, printing scores and errors.</summary>
internal static class ArchiveCommandSupport
{
    public static Option<string?> ArchiveOption() => new("--archive")
    {
        Description = $"Folder holding the runs (default: ${ArchiveStore.EnvironmentVariable}, else ./archive).",
    };

    public static Argument<string> RunArgument() => new("run") { Description = "The run's name (its folder under the archive) or a path to it." };

    /// <summary>Opens the run and calls <paramref name="body"/>; user-fixable errors print and exit 2.</summary>
    public static int WithRun(CliContext context, ParseResult parse, Option<string?> archive, Argument<string> runArgument, Func<ArchiveRun, int> body)
    {
        try
        {
            var folder = ArchiveStore.RunFolder(ArchiveStore.ResolveFolder(parse.GetValue(archive)), parse.GetValue(runArgument)!);
            using var run = ArchiveRun.Open(folder);
            return body(run);
        }
        catch (ArchiveException e)
        {
            return Error(context, e.Message);
        }
        catch (System.Text.Json.JsonException e)
        {
            return Error(context, $"the run holds a record that is not valid ({e.Message}); it was changed outside the archive. Check it with 'hyperagents verify'.");
        }
        catch (LibGit2Sharp.LibGit2SharpException e)
        {
            return Error(context, $"git could not read the run: {e.Message}. Check it with 'git fsck --full' in the run's folder.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Error(context, $"cannot open the run: {e.Message}. Opening a run reconciles it, so it needs write access to the run's folder.");
        }
    }

    /// <summary>
    /// Prints one warning line when the run failed the cheap integrity check made on open (journal missing, damaged or
    /// cut; refs or notes changed outside the archive), so a read command never shows forged data without a hint.
    /// </summary>
    public static void WarnIfUnverified(CliContext context, ArchiveRun run)
    {
        var problems = run.IntegrityProblems;
        if (problems.Count == 0)
        {
            return;
        }

        var name = Path.GetFileName(run.Path);
        var first = problems[0].Variant is { } v ? $"variant {v[..Math.Min(12, v.Length)]}: {problems[0].Message}" : problems[0].Message;
        var more = problems.Count > 1 ? $" (and {problems.Count - 1} more)" : "";
        context.Console.MarkupLine($"[yellow]warning:[/] {Markup.Escape($"run {name} fails verification: {Shorten(first, 160)}{more}; what follows is not trustworthy. Run 'hyperagents verify {name}'.")}");
    }

    public static int Error(CliContext context, string message)
    {
        context.Console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return 2;
    }

    /// <summary>A variant's latest score per split, each with its standard error and raw figure, in the run's
    /// <see cref="ScoreFormat"/>.</summary>
    public static string Scores(ArchiveRun run, VariantSummary v, ScoreFormat format) => format.Splits(v.Scores, run.GetEvaluations(v.Id));

    /// <summary>The digits that tell this run's scores apart (<see cref="ScoreFormat.For(IEnumerable{VariantSummary})"/>).</summary>
    public static ScoreFormat Format(ArchiveRun run) => ScoreFormat.For(run.ListVariants());

    /// <summary>The variant's latest evaluation, or <see langword="null"/>.</summary>
    public static Evaluation? Latest(ArchiveRun run, VariantSummary v) => v.Evaluations > 0 ? run.GetEvaluations(v.Id)[^1] : null;

    /// <summary>Whether a child answered exactly as its parent on every draw (see <see cref="ScoreStatistics.SameAnswers"/>).</summary>
    public static bool NoBehaviouralChange(ArchiveRun run, VariantSummary v) =>
        v.Parent is { } parent && Latest(run, v) is { } latest && ScoreStatistics.SameAnswers(latest, run.GetEvaluations(parent)) == true;

    public static string StatusMarkup(VariantStatus status) => status.State switch
    {
        VariantState.Accepted => "[green]accepted[/]",
        VariantState.Rejected => "[yellow]rejected[/]",
        _ => "[red]failed[/]",
    };

    /// <summary>One line describing a variant in lineage output.</summary>
    public static string Label(ArchiveRun run, VariantSummary v, ScoreFormat format)
    {
        var text = $"[bold]{v.ShortId}[/] g{v.Generation} {StatusMarkup(v.Status)} {Markup.Escape(Scores(run, v, format))}";
        if (v.IsBest)
        {
            text += " [bold green]best[/]";
        }

        if (NoBehaviouralChange(run, v))
        {
            text += " [grey]no behavioural change[/]";
        }

        if (v.InvalidParent)
        {
            text += " [red]invalid-parent[/]";
        }

        if (v.Status.Reason is { } reason)
        {
            text += $" [grey]({Markup.Escape(Shorten(reason, 60))})[/]";
        }

        return text;
    }

    public static string Shorten(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }
}
