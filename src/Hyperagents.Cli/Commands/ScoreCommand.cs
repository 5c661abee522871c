using System.CommandLine;
using System.Globalization;
using Hyperagents.Cli.Runs;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents score</c>: scores one answer file with a domain's host-side evaluator.</summary>
/// <remarks>Exit codes: 0 valid answer, 1 invalid answer, 2 usage error (unknown domain or task, missing file, bad dataset).</remarks>
internal static class ScoreCommand
{
    public const int Valid = 0;
    public const int Invalid = 1;
    public const int Usage = 2;

    public static Command Create(CliContext context)
    {
        var domainOption = new Option<string>("--domain")
        {
            Description = $"The domain: {string.Join(", ", DomainCatalog.AllNames)}.",
        };
        var taskOption = new Option<string>("--task")
        {
            Description = "The task id (see `hyperagents domains`); default: the published instance, e.g. n26 for circle-packing.",
        };
        var datasetOption = new Option<FileInfo>("--dataset")
        {
            Description = "The JSONL file of the dataset domain.",
        };
        var matchOption = new Option<string>("--match")
        {
            Description = "Dataset answer matching: exact (default), case-insensitive or numeric. A line's own \"match\" field wins.",
        };
        var toleranceOption = new Option<double?>("--tolerance")
        {
            Description = $"Dataset numeric matching: relative tolerance (default {DatasetPackage.DefaultTolerance.ToString("0e0", CultureInfo.InvariantCulture)}).",
        };
        var isolationOption = new Option<string>("--isolation")
        {
            Description = $"Where C#-source answers (answer kind csharp, e.g. coding) run: {string.Join(", ", Runners.Registry.Names)} (default {Runners.Registry.Default}); as for run and try.",
        };
        var answerArgument = new Argument<FileInfo>("answer")
        {
            Description = "The answer file: JSON for the math domains, plain text for the dataset domain.",
            Arity = ArgumentArity.ZeroOrOne,
        };

        var command = new Command("score", "Score an answer with a domain's evaluator: validity, raw figure, normalised score, reference, feedback.")
        {
            domainOption, taskOption, datasetOption, matchOption, toleranceOption, isolationOption, answerArgument,
        };
        command.SetAction(async (parseResult, cancellationToken) => await RunAsync(
            context,
            parseResult.GetValue(domainOption),
            parseResult.GetValue(taskOption),
            parseResult.GetValue(datasetOption),
            parseResult.GetValue(matchOption),
            parseResult.GetValue(toleranceOption),
            parseResult.GetValue(isolationOption),
            parseResult.GetValue(answerArgument),
            cancellationToken).ConfigureAwait(false));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string? domainName, string? taskId, FileInfo? dataset, string? matchName, double? tolerance, string? isolation, FileInfo? answerFile, CancellationToken cancellationToken)
    {
        var console = context.Console;
        var mode = isolation ?? Runners.Registry.Default;
        if (!Runners.Registry.Contains(mode))
        {
            console.MarkupLine($"[red]error:[/] --isolation '{Markup.Escape(mode)}' is not one of {Markup.Escape(string.Join(", ", Runners.Registry.Names))}.");
            return Usage;
        }

        if (!DomainArguments.TryCreate(console, domainName, dataset, matchName, tolerance, out var domain))
        {
            return Usage;
        }

        using var owner = new DomainOwner(domain);

        taskId ??= domain.DefaultTaskId;
        if (taskId is null)
        {
            console.MarkupLine($"[red]error:[/] the {Markup.Escape(domain.Name)} domain has no default task; pass --task <id>. Tasks: {Markup.Escape(TaskList(domain))}");
            return Usage;
        }

        if (domain.FindTask(taskId) is not { } found)
        {
            console.MarkupLine($"[red]error:[/] domain {Markup.Escape(domain.Name)} has no task '{Markup.Escape(taskId)}'. Tasks: {Markup.Escape(TaskList(domain))}");
            return Usage;
        }

        if (answerFile is null)
        {
            console.MarkupLine("[red]error:[/] no answer file; usage: hyperagents score --domain <name> [--task <id>] <answer.json>");
            return Usage;
        }

        if (!answerFile.Exists)
        {
            console.MarkupLine($"[red]error:[/] answer file '{Markup.Escape(answerFile.FullName)}' does not exist; pass the path of a file holding the agent's answer.");
            return Usage;
        }

        if (answerFile.Length > DomainLimits.MaxAnswerChars * 4L)
        {
            console.MarkupLine($"[red]error:[/] answer file '{Markup.Escape(answerFile.FullName)}' is {answerFile.Length:N0} bytes; answers are at most {DomainLimits.MaxAnswerChars:N0} characters.");
            return Usage;
        }

        string answer;
        try
        {
            answer = await File.ReadAllTextAsync(answerFile.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.MarkupLine($"[red]error:[/] cannot read '{Markup.Escape(answerFile.FullName)}': {Markup.Escape(e.Message)}");
            return Usage;
        }

        var (split, task) = found;
        TaskScore result;
        if (domain is PackageDomain { Package.Answer: AnswerKind.CSharp })
        {
            // C#-source answers compile through the gate and run in the tier --isolation names, as in the other commands.
            IAgentRunner runner;
            try
            {
                runner = Runners.Create(mode);
            }
            catch (Hyperagents.Transport.UserErrorException e)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return Usage;
            }

            await using (runner.ConfigureAwait(false))
            {
                using var compiler = Runners.Compiler();
                DomainSource.UseRunner(domain, compiler, runner);
                result = domain.Evaluate(task, answer);
            }
        }
        else
        {
            result = domain.Evaluate(task, answer);
        }

        var reference = domain.GetReference(task);

        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("domain", Markup.Escape(domain.Name));
        grid.AddRow("task", Markup.Escape($"{task.Id} ({split.ToString().ToLowerInvariant()}; {string.Join(", ", task.Parameters.Select(p => $"{p.Key} = {p.Value}"))})"));
        grid.AddRow("valid", result.Valid ? "[green]yes[/]" : "[red]no[/]");
        grid.AddRow("raw", result.Raw is { } raw
            ? Markup.Escape($"{raw.ToString("R", CultureInfo.InvariantCulture)} ({(domain.HigherIsBetter ? "higher" : "lower")} is better)")
            : "-");
        grid.AddRow("reference", reference is { } r ? r.ToString("R", CultureInfo.InvariantCulture) : "-");
        grid.AddRow("score", result.Score.ToString("0.000000", CultureInfo.InvariantCulture));
        grid.AddRow("feedback", Markup.Escape(result.Feedback));
        grid.AddRow("evaluator", Markup.Escape(EvaluatorHash.For(domain)));
        console.Write(grid);
        return result.Valid ? Valid : Invalid;
    }

    internal static string TaskList(IDomain domain) =>
        string.Join(", ", domain.AllTasks().Select(t => $"{t.Task.Id} ({t.Split.ToString().ToLowerInvariant()})"));
}

/// <summary>Turns the shared --domain/--dataset/--match options into a domain, printing usage errors.</summary>
internal static class DomainArguments
{
    public static bool TryCreate(IAnsiConsole console, string? domainName, FileInfo? dataset, string? matchName, double? tolerance, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IDomain? domain)
    {
        domain = null;
        if (string.IsNullOrWhiteSpace(domainName))
        {
            console.MarkupLine($"[red]error:[/] --domain is required. Valid domains: {Markup.Escape(string.Join(", ", DomainCatalog.AllNames))}, or a domain package folder.");
            return false;
        }

        var match = DatasetMatch.Exact;
        if (matchName is not null && !DatasetPackage.TryParseMode(matchName, out match))
        {
            console.MarkupLine($"[red]error:[/] unknown --match '{Markup.Escape(matchName)}'; use exact, case-insensitive or numeric.");
            return false;
        }

        if (tolerance is { } t && (!double.IsFinite(t) || t < 0))
        {
            console.MarkupLine($"[red]error:[/] --tolerance must be a finite number >= 0, not {t.ToString(CultureInfo.InvariantCulture)}.");
            return false;
        }

        try
        {
            domain = DomainSource.Open(domainName, dataset?.FullName, match, tolerance ?? DatasetPackage.DefaultTolerance);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or DatasetFormatException or Hyperagents.Transport.UserErrorException or IOException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return false;
        }
    }
}
