using System.CommandLine;
using System.Globalization;
using Hyperagents.Domains;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents domains</c>: lists the built-in domains and their tasks per split, with reference values.</summary>
internal static class DomainsCommand
{
    public static Command Create(CliContext context)
    {
        var datasetOption = new Option<FileInfo>("--dataset")
        {
            Description = "Also list the dataset domain built from this JSONL file.",
        };
        var command = new Command("domains", "List the built-in domains and their train/val/test tasks.") { datasetOption };
        command.SetAction(parseResult =>
        {
            var domains = DomainCatalog.CreateBuiltIn().ToList();
            var dataset = parseResult.GetValue(datasetOption);
            if (dataset is not null)
            {
                if (!DomainArguments.TryCreate(context.Console, DomainCatalog.DatasetName, dataset, null, null, out var domain))
                {
                    return ScoreCommand.Usage;
                }

                domains.Add(domain);
            }

            var table = new Table().AddColumns("domain", "split", "tasks (reference)");
            foreach (var domain in domains)
            {
                foreach (var split in new[] { Split.Train, Split.Val, Split.Test })
                {
                    var tasks = domain.GetTasks(split).Select(t => domain.GetReference(t) is { } r
                        ? $"{t.Id} ({r.ToString("G6", CultureInfo.InvariantCulture)})"
                        : t.Id);
                    var list = string.Join(", ", tasks);
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
}
