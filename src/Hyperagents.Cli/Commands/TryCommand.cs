using System.CommandLine;
using System.Globalization;
using Hyperagents.Cli.Runs;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Engine;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents try &lt;agent-folder&gt; --domain &lt;d&gt;</c>: evaluate a hyperagent outside any run.</summary>
internal static class TryCommand
{
    public static Command Create(CliContext context)
    {
        var folder = new Argument<DirectoryInfo>("agent-folder") { Description = "The hyperagent folder to evaluate." };
        var domain = new Option<string>("--domain") { Description = "The domain whose tasks to run (see `hyperagents domains`)." };
        var isolation = new Option<string>("--isolation") { Description = "sandbox (default: Wasmtime), contained (native workers under bubblewrap, seccomp and cgroups; Linux) or native (worker processes; not a sandbox)." };
        var runtime = new Option<string?>("--runtime") { Description = "With --isolation contained: bubblewrap (default) or runsc (gVisor)." };
        var tasks = new Option<int?>("--tasks") { Description = "Run only the first N tasks of the split." };
        var split = new Option<string>("--split") { Description = "train (default), val or test." };
        var seed = new Option<ulong>("--seed") { Description = "The seed of the tasks' random sources (default 1).", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double?>("--task-timeout") { Description = "Seconds one SolveTask may take (default 60)." };
        var dataset = new Option<string?>("--dataset") { Description = "The JSONL file of the dataset domain." };
        var compileTimeout = RunOptions.CompileTimeoutOption();
        var command = new Command("try", "Evaluate a hyperagent folder on a domain's tasks, outside any run, and print each task's outcome and the score.")
        {
            folder, domain, isolation, runtime, tasks, split, seed, timeout, dataset, compileTimeout,
        };
        command.SetAction(async (parse, ct) =>
        {
            var domainName = parse.GetValue(domain);
            if (string.IsNullOrWhiteSpace(domainName))
            {
                return ArchiveCommandSupport.Error(context, $"--domain is required: one of {string.Join(", ", DomainCatalog.AllNames)}, or a domain package folder.");
            }

            if (Runners.Resolve(parse.GetValue(isolation) ?? Runners.Registry.Default, parse.GetValue(runtime), out var isolationError) is not { } mode)
            {
                return ArchiveCommandSupport.Error(context, isolationError!);
            }

            if (!Enum.TryParse<Split>(parse.GetValue(split) ?? "train", ignoreCase: true, out var splitValue))
            {
                return ArchiveCommandSupport.Error(context, $"--split '{parse.GetValue(split)}' is not one of train, val, test.");
            }

            if (CheckCommand.CompileLimit(parse.GetValue(compileTimeout), out var compileLimit) is { } problem)
            {
                return ArchiveCommandSupport.Error(context, problem);
            }

            IDomain d;
            AgentSource source;
            try
            {
                var datasetPath = parse.GetValue(dataset) ?? (domainName == "dataset" ? SeedLocator.Find("seeds/datasets/arithmetic.jsonl") : null);
                source = AgentSource.FromDirectory(parse.GetValue(folder)!.FullName);
                d = DomainSource.Open(domainName, datasetPath);
            }
            catch (Exception ex) when (ex is AgentSourceException or UnknownDomainException or ArgumentException or DatasetFormatException or IOException or DomainPackageException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }

            using var owner = new DomainOwner(d);

            using var compiler = Runners.Compiler();
            var compiled = compiler.CompileWithin(source, compileLimit, ct);

            if (compiled.Agent is null)
            {
                context.Console.MarkupLine("[red]rejected[/]: the agent does not compile or does not pass the gate:");
                foreach (var diagnostic in compiled.Report.Diagnostics)
                {
                    context.Console.MarkupLine("  " + Markup.Escape(diagnostic.ToString()));
                }

                return 1;
            }

            var selected = d.GetTasks(splitValue).Take(parse.GetValue(tasks) ?? int.MaxValue).ToList();
            var limits = new RunLimits { WallClock = TimeSpan.FromSeconds(parse.GetValue(timeout) ?? 60) };
            IAgentRunner runner;
            try
            {
                runner = Runners.Create(mode);
            }
            catch (Exception ex) when (ex is SandboxUnavailableException or ContainedUnavailableException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }

            await using (runner.ConfigureAwait(false))
            {
                DomainSource.UseRunner(d, compiler, runner, compileLimit);
                var evaluator = new TaskEvaluator(d, runner, ModelAccess.None, limits.Validate(), runner.Capacity);
                var results = await evaluator.EvaluateAsync(compiled.Agent, selected, parse.GetValue(seed), ct).ConfigureAwait(false);
                var table = new Table().AddColumns("task", "outcome", "score", "raw", "fuel", "ms", "detail");
                foreach (var r in results)
                {
                    table.AddRow(
                        Markup.Escape(r.TaskId),
                        r.Outcome == "completed" ? "[green]completed[/]" : $"[red]{Markup.Escape(r.Outcome)}[/]",
                        r.Score.ToString("0.000000", CultureInfo.InvariantCulture),
                        r.Raw?.ToString("R", CultureInfo.InvariantCulture) ?? "-",
                        r.Fuel?.ToString(CultureInfo.InvariantCulture) ?? "-",
                        r.Milliseconds.ToString("0", CultureInfo.InvariantCulture),
                        Markup.Escape(r.Outcome == "completed" ? string.Empty : ArchiveCommandSupport.Shorten(r.Feedback, 60)));
                }

                context.Console.Write(table);
                var score = results.Count == 0 ? 0 : results.Average(r => r.Score);
                context.Console.MarkupLine($"score [bold]{score.ToString("0.000000", CultureInfo.InvariantCulture)}[/] over {results.Count} {splitValue.ToString().ToLowerInvariant()} task(s) of {Markup.Escape(d.Name)}, {runner.Name} isolation");
                return 0;
            }
        });
        return command;
    }
}
