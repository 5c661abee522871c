using System.CommandLine;
using System.Globalization;
using Hyperagents.Reporting;

namespace Hyperagents.Cli.Commands;

/// <summary>The options that set when <c>audit</c> and <c>report</c> raise flags (<see cref="AuditThresholds"/>).</summary>
internal sealed class AuditThresholdOptions
{
    private static readonly AuditThresholds Defaults = new();

    public Option<double?> LargeJump { get; } = new("--large-jump")
    {
        Description = $"Flag large-jump when a split's score moves at least this much from the parent's (default {Invariant(Defaults.LargeJump)}).",
    };

    public Option<double?> TrainValGap { get; } = new("--train-val-gap")
    {
        Description = $"Flag train-val-gap when a child's train−val gap exceeds the seed's and its ancestor's by at least this much (default {Invariant(Defaults.TrainValGap)}).",
    };

    public Option<int?> RepeatedFailures { get; } = new("--repeated-failures")
    {
        Description = $"Flag repeated-failures at this many consecutive failed or rejected attempts from one parent (default {Defaults.RepeatedFailures}).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(LargeJump);
        command.Options.Add(TrainValGap);
        command.Options.Add(RepeatedFailures);
    }

    /// <summary>The thresholds given, the defaults for the rest; a value out of range is an error naming the option.</summary>
    public AuditThresholds Read(ParseResult parse, List<string> errors)
    {
        var thresholds = Defaults;
        if (parse.GetValue(LargeJump) is { } jump)
        {
            thresholds = double.IsFinite(jump) && jump > 0 ? thresholds with { LargeJump = jump } : Invalid(thresholds, "--large-jump", "a score difference above 0, e.g. 0.1", errors);
        }

        if (parse.GetValue(TrainValGap) is { } gap)
        {
            thresholds = double.IsFinite(gap) && gap > 0 ? thresholds with { TrainValGap = gap } : Invalid(thresholds, "--train-val-gap", "a score difference above 0, e.g. 0.05", errors);
        }

        if (parse.GetValue(RepeatedFailures) is { } failures)
        {
            thresholds = failures >= 1 ? thresholds with { RepeatedFailures = failures } : Invalid(thresholds, "--repeated-failures", "a count of at least 1", errors);
        }

        return thresholds;
    }

    private static AuditThresholds Invalid(AuditThresholds thresholds, string option, string wanted, List<string> errors)
    {
        errors.Add($"{option} must be {wanted}.");
        return thresholds;
    }

    private static string Invariant(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
