using System.CommandLine;
using Hyperagents.Cli.Runs;
using Hyperagents.Compiler;
using Spectre.Console;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents check &lt;agent-folder&gt;</c>: compiles a hyperagent, runs the capability gate and validates
/// its entry points, exactly as the host will before running it.</summary>
internal static class CheckCommand
{
    /// <summary>Exit code when the agent compiled and passed.</summary>
    public const int Passed = 0;

    /// <summary>Exit code when the agent was rejected (compile error, gate violation, entry point).</summary>
    public const int Rejected = 1;

    /// <summary>Exit code when the folder or the policy could not be used at all.</summary>
    public const int Unusable = 2;

    public static Command Create(CliContext context)
    {
        var folder = new Argument<DirectoryInfo>("agent-folder")
        {
            Description = "The hyperagent's folder: .cs files (task/, meta/, ...) plus optional prompts and data.",
        };
        var policy = new Option<FileInfo?>("--policy")
        {
            Description = "A gate policy file to use instead of the one shipped with the tool.",
        };
        var compileTimeout = RunOptions.CompileTimeoutOption();
        var command = new Command("check", "Compile a hyperagent, run the capability gate and validate its entry points.");
        command.Arguments.Add(folder);
        command.Options.Add(policy);
        command.Options.Add(compileTimeout);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var directory = parseResult.GetValue(folder)!;
            var policyFile = parseResult.GetValue(policy);
            if (CompileLimit(parseResult.GetValue(compileTimeout), out var limit) is { } problem)
            {
                context.Console.MarkupLine($"[red]error:[/] {Markup.Escape(problem)}");
                return Task.FromResult(Unusable);
            }

            return Task.FromResult(Run(context.Console, directory, policyFile, limit, cancellationToken));
        });
        return command;
    }

    /// <summary>The CPU time a compile may use from <c>--compile-timeout</c> (default 60 s), or the problem with it.</summary>
    public static string? CompileLimit(double? seconds, out TimeSpan limit)
    {
        limit = TimeSpan.FromSeconds(seconds ?? 60);
        return seconds is null or (>= 1 and <= 3600) ? null : $"--compile-timeout must be between 1 and 3600 seconds of CPU time (was {seconds}).";
    }

    private static int Run(IAnsiConsole console, DirectoryInfo directory, FileInfo? policyFile, TimeSpan compileTimeout, CancellationToken cancellationToken)
    {
        AgentSource source;
        AgentCompiler compiler;
        try
        {
            source = AgentSource.FromDirectory(directory.FullName);
            compiler = Runners.Compiler(policyFile?.FullName);
        }
        catch (Exception ex) when (ex is AgentSourceException or GatePolicyException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return Unusable;
        }

        CompileResult result;
        using (compiler)
        {
            try
            {
                result = compiler.CompileWithin(source, compileTimeout, cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                // The compile worker could not start: an installation problem, not the agent's.
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return Unusable;
            }
        }

        var name = Markup.Escape(directory.FullName);
        if (result is { Success: true, EntryPoints: { } entryPoints, Agent: { } agent })
        {
            console.MarkupLine($"[green]passed:[/] {name} compiled and passed the capability gate.");
            console.MarkupLine($"  SolveTask   {Markup.Escape(entryPoints.SolveTask.TypeName)}: {Markup.Escape(entryPoints.SolveTask.Signature)}");
            console.MarkupLine($"  ModifySelf  {Markup.Escape(entryPoints.ModifySelf.TypeName)}: {Markup.Escape(entryPoints.ModifySelf.Signature)}");
            console.MarkupLine($"  image       {Markup.Escape(agent.Id)} ({agent.Image.Length:N0} bytes, {source.CSharpFiles.Count()} .cs files)");
            console.MarkupLine($"  policy      {Markup.Escape(compiler.GatePolicyHash)}");
            return Passed;
        }

        var diagnostics = result.Report.Diagnostics;
        if (diagnostics.Count == 1)
        {
            console.MarkupLine($"[red]rejected:[/] {Describe(diagnostics[0])}");
            return Rejected;
        }

        foreach (var diagnostic in diagnostics)
        {
            console.MarkupLine(Describe(diagnostic));
        }

        console.MarkupLine($"[red]rejected:[/] {name}: {diagnostics.Count} problems. Fix them and run 'hyperagents check' again.");
        return Rejected;
    }

    private static string Describe(CompileDiagnostic diagnostic)
    {
        var where = diagnostic.File.Length == 0 ? "(agent)" : $"{diagnostic.File}({diagnostic.Line},{diagnostic.Column})";
        return $"{Markup.Escape(where)}: [red]{Markup.Escape(diagnostic.Id)}[/]: {Markup.Escape(diagnostic.Message)}";
    }
}
