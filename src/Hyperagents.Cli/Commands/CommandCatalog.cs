using System.CommandLine;

namespace Hyperagents.Cli.Commands;

/// <summary>Every sub-command of <c>hyperagents</c>, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        yield return RunCommand.CreateRun(context);
        yield return RunCommand.CreateResume(context);
        yield return StatusCommand.Create(context);
        yield return RunsCommand.Create(context);
        yield return LineageCommand.Create(context);
        yield return ShowCommand.Create(context);
        yield return DiffCommand.Create(context);
        yield return EvalCommand.Create(context);
        yield return ReplayCommand.Create(context);
        yield return VerifyCommand.Create(context);
        yield return AuditCommand.Create(context);
        yield return ReportCommand.Create(context);
        yield return ExperimentCommand.Create(context);
        yield return CheckCommand.Create(context);
        yield return TryCommand.Create(context);
        yield return ScoreCommand.Create(context);
        yield return ReplCommand.Create(context);
        yield return DomainsCommand.Create(context);
        yield return NewCommand.Create(context);
        yield return DoctorCommand.Create(context);
        yield return NodeCommand.Create(context);
    }
}
