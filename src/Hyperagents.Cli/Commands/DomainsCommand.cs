using System.CommandLine;
using System.Globalization;
using Hyperagents.Domains;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents domains</c>: lists the built-in domains (those shipped as packages too) and their tasks per
/// split, with reference values.</summary>
internal static class DomainsCommand
{
    public static Command Create(CliContext context)
    {
        var datasetOption = new Option<FileInfo>("--dataset")
        {
            Description = "Also list the dataset domain built from this JSONL file.",
        };
        var folderArgument = new Argument<string?>("folder")
        {
            Description = "A domain package folder to describe (its evaluator is compiled under the evaluator policy).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("domains", "List the built-in domains and their train/val/test tasks, or describe a domain package folder.") { datasetOption, folderArgument };
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(folderArgument) is { } folder)
            {
                return Describe(context, folder);
            }

            var table = new Table().AddColumns("domain", "split", "tasks (reference; best known where higher)");

            // The built-ins are shipped packages: their manifests give tasks, references and best-known figures
            // (`domains <name>` also loads the evaluator).
            foreach (var name in DomainCatalog.PackageNames)
            {
                DomainPackage package;
                try
                {
                    package = DomainCatalog.Shipped(name)!;
                }
                catch (DomainPackageException ex)
                {
                    context.Console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                    return ScoreCommand.Usage;
                }

                foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
                {
                    var tasks = package.Tasks.Where(t => t.Split == split).ToList();
                    var list = string.Join(", ", tasks.Select(t => t.Reference is { } r
                        ? $"{t.Id} ({r.ToString("G6", CultureInfo.InvariantCulture)}{(t.BestKnown is { } best ? $"; best known {best.ToString("G7", CultureInfo.InvariantCulture)}" : "")})"
                        : t.Id));
                    table.AddRow(
                        split == Split.Train ? Markup.Escape($"{package.Name} ({(package.HigherIsBetter ? "higher" : "lower")} raw is better)") : string.Empty,
                        split.ToString().ToLowerInvariant(),
                        Markup.Escape(list.Length > 300 ? $"{tasks.Count} tasks" : list));
                }
            }

            var dataset = parseResult.GetValue(datasetOption);
            if (dataset is not null)
            {
                if (!DomainArguments.TryCreate(context.Console, DomainCatalog.DatasetName, dataset, null, null, out var domain))
                {
                    return ScoreCommand.Usage;
                }

                foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
                {
                    var list = string.Join(", ", domain.GetTasks(split).Select(t => t.Id));
                    table.AddRow(
                        split == Split.Train ? Markup.Escape($"{domain.Name} ({(domain.HigherIsBetter ? "higher" : "lower")} raw is better)") : string.Empty,
                        split.ToString().ToLowerInvariant(),
                        Markup.Escape(list.Length > 300 ? $"{domain.GetTasks(split).Count} tasks" : list));
                }
            }

            context.Console.Write(table);
            if (dataset is null)
            {
                context.Console.MarkupLine(Markup.Escape($"Without --dataset, the '{DomainCatalog.DatasetName}' domain is not listed; score answers with: hyperagents score --domain <name> [--task <id>] <answer.json>"));
            }

            return 0;
        });
        return command;
    }

    /// <summary>Describes one package: manifest, hash, evaluator verdict, tasks per split with references.</summary>
    private static int Describe(CliContext context, string folder)
    {
        PackageDomain domain;
        try
        {
            var shipped = DomainCatalog.PackageNames.Contains(folder, StringComparer.Ordinal) && !Directory.Exists(folder);
            domain = (PackageDomain)Runs.DomainSource.Open(shipped || folder.Contains('/', StringComparison.Ordinal) ? folder : "./" + folder);
        }
        catch (Exception ex) when (ex is DomainPackageException or IOException)
        {
            context.Console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ScoreCommand.Usage;
        }

        using (domain)
        {
            var package = domain.Package;
            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            grid.AddRow("domain", Markup.Escape($"{package.Name} {package.Version}"));
            grid.AddRow("description", Markup.Escape(package.Description));
            grid.AddRow("answer", Markup.Escape(package.Answer.ToString().ToLowerInvariant()));
            grid.AddRow("score", Markup.Escape($"{(package.HigherIsBetter ? "higher" : "lower")} raw is better, normalised by {package.Normalise.ToString().ToLowerInvariant()}"));
            grid.AddRow("limits", Markup.Escape($"{package.Limits.EvaluationMilliseconds:N0} ms, {package.Limits.MemoryMegabytes:N0} MiB, feedback {package.Limits.FeedbackChars:N0} characters per evaluation"));
            grid.AddRow("evaluator", Markup.Escape($"{package.EvaluatorSources.Count} file(s), compiles under the evaluator policy; hash {package.Hash}"));
            context.Console.Write(grid);
            var table = new Table().AddColumns("split", "task", "reference", "best known");
            foreach (var task in package.Tasks)
            {
                table.AddRow(
                    task.Split.ToString().ToLowerInvariant(),
                    Markup.Escape(task.Id + (task.Id == package.DefaultTaskId ? " (default)" : "")),
                    task.Reference is { } r ? r.ToString("R", CultureInfo.InvariantCulture) : "-",
                    task.BestKnown is { } b ? b.ToString("R", CultureInfo.InvariantCulture) : "-");
            }

            context.Console.Write(table);
        }

        return 0;
    }
}
