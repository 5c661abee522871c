using System.CommandLine;
using Hyperagents.Compiler;
using Hyperagents.Hosting;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents worker [compile]</c>: the hidden entry point of worker processes: a native agent worker,
/// started by <see cref="NativeRunner"/>, or with <c>compile</c> a compile worker, started by an
/// <see cref="AgentCompiler"/> with <see cref="AgentCompilerOptions.Worker"/>. It speaks a binary protocol on standard
/// input and output; not for humans.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var role = new Argument<string?>("role")
        {
            Description = "Empty for a native agent worker, 'compile' for a compile worker.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("worker", "Runs a worker process for the native runner or the compiler (internal; speaks a binary protocol on stdin/stdout).")
        {
            Hidden = true,
        };
        command.Arguments.Add(role);
        command.SetAction(async (parseResult, cancellationToken) => parseResult.GetValue(role) switch
        {
            null => await WorkerHost.RunAsync([.. parseResult.UnmatchedTokens], cancellationToken).ConfigureAwait(false),
            "compile" => await CompileWorkerHost.RunAsync(cancellationToken).ConfigureAwait(false),
            var other => Unknown(other),
        });
        return command;
    }

    private static int Unknown(string role)
    {
        Console.Error.WriteLine($"error: unknown worker role '{role}'; use no role or 'compile'.");
        return 2;
    }
}
