using System.CommandLine;

namespace Hyperagents.Cli.Commands;

/// <summary>Every sub-command of <c>hyperagents</c>, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        yield return DoctorCommand.Create(context);
    }
}
