using System.CommandLine;
using Hyperagents.Hosting;

namespace Hyperagents.Cli.Commands;

/// <summary><c>hyperagents worker</c>: the hidden entry point of a native worker process, started by
/// <see cref="NativeRunner"/>. It speaks the worker protocol on standard input and output; not for humans.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var command = new Command("worker", "Runs a native worker for the native runner (internal; speaks a binary protocol on stdin/stdout).")
        {
            Hidden = true,
        };
        command.SetAction(async (parseResult, cancellationToken) => await WorkerHost.RunAsync([.. parseResult.UnmatchedTokens], cancellationToken).ConfigureAwait(false));
        return command;
    }
}
