using System.CommandLine;
using System.Globalization;
using System.Text;
using Hyperagents.Archive;
using Hyperagents.Cli.Repl;
using Hyperagents.Cli.Runs;
using Hyperagents.Compiler;
using Hyperagents.Domains;
using Hyperagents.Hosting;
using Hyperagents.Sandbox;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents repl [&lt;agent-folder&gt;]</c> and <c>hyperagents repl &lt;run&gt; &lt;variant&gt;</c>: an interactive
/// C# session next to a hyperagent, every submission gated and run in the sandbox (or the chosen tier).</summary>
internal static class ReplCommand
{
    private const string Help = """
        C# script, one submission at a time (a submission ends when it is complete C#; end a line with an open bracket to go on).
        Variables, methods and types persist; a submission ending in an expression without ';' shows its value.
        In scope: the agent's public types, its SolveTask (imported statically), and 'context' (a TaskContext for the task).
          #score    score the last value with the domain's host evaluator
          #task     show the task 'context' stands for
          #history  show the last submissions of this folder's history
          #help     this text
          #quit     leave (also Ctrl+D)
        Ctrl+C cancels the running submission and keeps the session; at the prompt it drops the line.
        In a terminal: Up/Down recall this folder's earlier submissions; Left/Right/Home/End, Backspace/Delete edit the line.
        """;

    public static Command Create(CliContext context)
    {
        var target = new Argument<string?>("agent-folder-or-run") { Description = "A hyperagent folder, or a run's name followed by a variant (read-only from the archive). None: a bare session.", Arity = ArgumentArity.ZeroOrOne };
        var variant = new Argument<string?>("variant") { Description = "With a run: a variant id, a unique prefix of one, or 'best'.", Arity = ArgumentArity.ZeroOrOne };
        var domain = new Option<string?>("--domain") { Description = "The domain whose task 'context' stands for and whose evaluator #score uses (default: the run's)." };
        var task = new Option<string?>("--task") { Description = "The training task 'context' stands for (default: the first)." };
        var isolation = new Option<string>("--isolation") { Description = "sandbox (default), contained or native: where every submission runs." };
        var runtime = new Option<string?>("--runtime") { Description = "With --isolation contained: bubblewrap (default) or runsc (the same workers under gVisor's user-space kernel)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds one submission may take, compile included (default 10).", DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed") { Description = "The seed of context.Random (default 1).", DefaultValueFactory = _ => 1 };
        var archive = ArchiveCommandSupport.ArchiveOption();
        var command = new Command("repl", "An interactive C# session next to a hyperagent: its types and SolveTask in scope, 'context' a task's TaskContext; every submission is gated like agent code and runs in the sandbox, never in this process. Reads a script from standard input when it is not a terminal.")
        {
            target, variant, domain, task, isolation, runtime, timeout, seed, archive,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (Runners.Resolve(parse.GetValue(isolation) ?? Runners.Registry.Default, parse.GetValue(runtime), out var isolationError) is not { } mode)
            {
                return ArchiveCommandSupport.Error(context, isolationError!);
            }

            var seconds = parse.GetValue(timeout);
            if (!(seconds > 0 && seconds <= 3600))
            {
                return ArchiveCommandSupport.Error(context, $"--timeout {seconds.ToString(CultureInfo.InvariantCulture)} is not between 0 and 3600 seconds; give the seconds one submission may take.");
            }

            IReadOnlyDictionary<string, string>? files = null;
            IDomain? d = null;
            string historyKey;
            try
            {
                var first = parse.GetValue(target);
                if (parse.GetValue(variant) is { } variantName)
                {
                    var folder = ArchiveStore.RunFolder(ArchiveStore.ResolveFolder(parse.GetValue(archive)), first!);
                    using var run = ArchiveRun.Open(folder);
                    ArchiveCommandSupport.WarnIfUnverified(context, run);
                    var id = run.Resolve(variantName);
                    files = run.GetFiles(id);
                    historyKey = "run:" + Path.GetFullPath(folder) + "#" + id;
                    if (parse.GetValue(domain) is null)
                    {
                        var (settings, _) = RunHost.FromConfig(RunState.CurrentManifest(run));
                        d = DomainSource.ForRun(run, settings);
                    }
                }
                else if (first is not null)
                {
                    if (RunNamed(first, parse.GetValue(archive)) is { } run)
                    {
                        return ArchiveCommandSupport.Error(context, $"'{first}' is a run, not an agent folder: name a variant too, e.g. 'hyperagents repl {run} best' (or seed, latest, an id prefix).");
                    }

                    files = AgentSource.FromDirectory(first).Files;
                    historyKey = "folder:" + Path.GetFullPath(first);
                }
                else
                {
                    historyKey = "none";
                }

                if (parse.GetValue(domain) is { } domainName)
                {
                    d = DomainSource.Open(domainName, domainName == "dataset" ? SeedLocator.Find("seeds/datasets/arithmetic.jsonl") : null);
                }
            }
            catch (Exception ex) when (ex is AgentSourceException or UnknownDomainException or ArgumentException or DatasetFormatException or IOException or DomainPackageException or ArchiveException or InvalidOperationException)
            {
                return ArchiveCommandSupport.Error(context, ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                return ArchiveCommandSupport.Error(context, $"cannot read it: {ex.Message}. Give a folder (or run) you can read.");
            }
            catch (System.Text.Json.JsonException ex)
            {
                return ArchiveCommandSupport.Error(context, $"the run holds a record that is not valid ({ex.Message}); it was changed outside the archive. Check it with 'hyperagents verify'.");
            }
            catch (LibGit2Sharp.LibGit2SharpException ex)
            {
                return ArchiveCommandSupport.Error(context, $"git could not read the run: {ex.Message}. Check it with 'git fsck --full' in the run's folder.");
            }

            using var owner = new DomainOwner(d);
            var tasks = d?.GetTasks(Split.Train) ?? [];
            var taskId = parse.GetValue(task);
            var chosen = taskId is null ? tasks.FirstOrDefault() : tasks.FirstOrDefault(t => t.Id == taskId);
            if (taskId is not null && chosen is null)
            {
                return ArchiveCommandSupport.Error(context, d is null
                    ? "--task needs a domain: add --domain <d>."
                    : $"--task '{taskId}' is not a training task of {d.Name}; one of {string.Join(", ", tasks.Take(20).Select(t => t.Id))}.");
            }

            chosen ??= new TaskSpec("repl", "repl", "A REPL session without a domain.", new Dictionary<string, string>(), null);
            using var compiler = Runners.Compiler();
            CompiledAgent? agent = null;
            string? agentType = null;
            if (files is not null)
            {
                var compiled = compiler.CompileFiles(files, TimeSpan.FromSeconds(120), ct);
                if (compiled.Agent is null || compiled.EntryPoints is null)
                {
                    context.Console.MarkupLine("[red]rejected[/]: the agent does not compile or does not pass the gate:");
                    foreach (var diagnostic in compiled.Report.Diagnostics)
                    {
                        context.Console.MarkupLine("  " + Markup.Escape(diagnostic.ToString()));
                    }

                    return 1;
                }

                agent = compiled.Agent;
                agentType = compiled.EntryPoints.SolveTask.TypeName.Replace('+', '.');
            }

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
                if (d is not null)
                {
                    DomainSource.UseRunner(d, compiler, runner);
                }

                var limits = new RunLimits { WallClock = TimeSpan.FromSeconds(seconds) }.Validate();
                var session = new ReplSession(compiler, runner, d, chosen, agent, agentType, limits, parse.GetValue(seed));
                var interactive = !Console.IsInputRedirected;
                var history = interactive ? ReplHistory.PathFor(historyKey) : null;

                // Line editing needs the screen too: with output sent to a file (or a dumb terminal) lines are read as typed.
                var editor = interactive && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb"
                    ? new LineEditor(new ConsoleKeyTerminal(), ReplHistory.Load(history!))
                    : null;
                context.Console.WriteLine($"hyperagents repl: {runner.Name} isolation, task {chosen.Id}{(d is null ? string.Empty : " of " + d.Name)}; #help for help, #quit to leave.");
                return await LoopAsync(context, session, interactive, history, editor, ct).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>The run <paramref name="argument"/> names when it is one (a run's folder, or a run of the archive where
    /// no folder of that name is), so that <c>repl &lt;run&gt;</c> without a variant says what is missing.</summary>
    private static string? RunNamed(string argument, string? archive)
    {
        var folder = Directory.Exists(argument) ? argument
            : argument.Length > 0 && !argument.Contains('/') && !argument.Contains('\\') && argument is not ("." or "..") ? ArchiveStore.RunFolder(ArchiveStore.ResolveFolder(archive), argument)
            : null;
        if (folder is null || !Directory.Exists(folder) || !LibGit2Sharp.Repository.IsValid(folder))
        {
            return null;
        }

        using var repository = new LibGit2Sharp.Repository(folder);
        return repository.Info.IsBare && repository.Refs[ArchiveRun.ManifestRef] is not null
            ? (Directory.Exists(argument) ? argument : Path.GetFileName(folder))
            : null;
    }

    private static async Task<int> LoopAsync(CliContext context, ReplSession session, bool interactive, string? history, LineEditor? editor, CancellationToken ct)
    {
        var buffer = new StringBuilder();
        CancellationTokenSource? running = null;
        var runningLock = new Lock();
        Interrupt.OnCtrlC = () =>
        {
            lock (runningLock)
            {
                if (running is not null)
                {
                    running.Cancel();
                }
                else
                {
                    Console.Error.WriteLine();
                    Console.Error.WriteLine("(Ctrl+C cancels a running submission; #quit leaves)");
                }
            }
        };
        try
        {
            while (!ct.IsCancellationRequested)
            {
                string? line;
                if (editor is not null)
                {
                    var prompt = buffer.Length == 0 ? "> " : "* ";
                    var edited = await Task.Run(() => ConsoleKeyTerminal.WithCtrlCAsKey(() => editor.ReadLine(prompt)), CancellationToken.None).WaitAsync(ct).ConfigureAwait(false);
                    if (edited.End == LineEnd.Interrupted)
                    {
                        // Ctrl+C at the prompt drops the line and any unfinished submission, as a shell does.
                        buffer.Clear();
                        continue;
                    }

                    line = edited.End == LineEnd.EndOfInput ? null : edited.Text;
                }
                else
                {
                    if (interactive)
                    {
                        context.Console.Write(buffer.Length == 0 ? "> " : "* ");
                    }

                    // On a thread of its own: the console's ReadLineAsync blocks the caller and never sees the token, so
                    // SIGTERM at the prompt would wait for a line.
                    line = await Task.Run(Console.In.ReadLine, CancellationToken.None).WaitAsync(ct).ConfigureAwait(false);
                }

                if (line is null)
                {
                    if (buffer.Length == 0)
                    {
                        break;
                    }

                    // End of input in the middle of a submission: run it, so its errors show.
                }
                else
                {
                    if (!interactive)
                    {
                        context.Console.WriteLine((buffer.Length == 0 ? "> " : "* ") + line);
                    }

                    if (buffer.Length == 0 && line.Trim() is ['#', ..] commandText && !commandText.StartsWith("#r", StringComparison.Ordinal) && !commandText.StartsWith("#load", StringComparison.Ordinal))
                    {
                        if (!Command(context, session, commandText, history))
                        {
                            break;
                        }

                        continue;
                    }

                    if (buffer.Length == 0 && line.Trim().Length == 0)
                    {
                        continue;
                    }

                    buffer.Append(line).Append('\n');
                    if (!ScriptCompiler.IsComplete(buffer.ToString()))
                    {
                        continue;
                    }
                }

                var code = buffer.ToString().TrimEnd('\n');
                buffer.Clear();
                if (history is not null)
                {
                    ReplHistory.Append(history, code);
                }

                editor?.Add(code);

                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
                lock (runningLock)
                {
                    running = cancel;
                }

                if (interactive)
                {
                    // Straight to the terminal: the console's markup writer would turn the '\r' that erases it into a line break.
                    Console.Out.Write("running… (Ctrl+C cancels)");
                    Console.Out.Flush();
                }

                ReplResult result;
                try
                {
                    result = await Task.Run(() => session.SubmitAsync(code, cancel.Token), CancellationToken.None).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    result = new ReplResult("cancelled", null, [], string.Empty, "Ctrl+C");
                }
                finally
                {
                    lock (runningLock)
                    {
                        running = null;
                    }
                }

                if (interactive)
                {
                    Console.Out.Write("\r                          \r");
                    Console.Out.Flush();
                }

                Print(context, result);
                if (line is null)
                {
                    break;
                }
            }

            return 0;
        }
        finally
        {
            Interrupt.OnCtrlC = null;
        }
    }

    private static bool Command(CliContext context, ReplSession session, string text, string? history)
    {
        switch (text.Split(' ', 2)[0])
        {
            case "#quit" or "#exit":
                return false;
            case "#help":
                context.Console.WriteLine(Help);
                return true;
            case "#score":
                context.Console.WriteLine(session.Score());
                return true;
            case "#task":
                context.Console.WriteLine($"{session.Task.Domain}/{session.Task.Id}: {session.Task.Description}");
                return true;
            case "#history":
                if (history is null || ReplHistory.Load(history, 20) is not { Count: > 0 } entries)
                {
                    context.Console.WriteLine(history is null ? "no history: standard input is not a terminal." : $"no history yet ({history}).");
                }
                else
                {
                    context.Console.WriteLine($"{history}:");
                    foreach (var entry in entries)
                    {
                        context.Console.WriteLine(entry);
                    }
                }

                return true;
            default:
                context.Console.WriteLine($"unknown command '{text}': #help lists the commands.");
                return true;
        }
    }

    private static void Print(CliContext context, ReplResult result)
    {
        foreach (var line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            context.Console.WriteLine("  " + line);
        }

        foreach (var d in result.Diagnostics)
        {
            context.Console.WriteLine(d.Line > 0
                ? $"{d.File}({d.Line},{d.Column}): error {d.Id}: {d.Message}"
                : $"error {d.Id}: {d.Message}");
        }

        if (result.Outcome == "completed")
        {
            if (result.Value is not null)
            {
                context.Console.WriteLine(result.Value);
            }
        }
        else if (result.Outcome != "rejected")
        {
            context.Console.WriteLine($"{result.Outcome}: {result.Detail}");
        }
    }
}
