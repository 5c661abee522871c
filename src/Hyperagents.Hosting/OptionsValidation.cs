namespace Hyperagents.Hosting;

/// <summary>Options that check themselves the one way every options type the command line builds does (run settings,
/// limits, model options): <see cref="GetErrors"/> lists every problem at once, one sentence each naming the setting and
/// the fix, and <see cref="OptionsValidation.Validate{T}"/> turns a non-empty list into one <see cref="InvalidOptionsException"/>.</summary>
public interface IValidatedOptions
{
    /// <summary>Every problem of these options, one sentence each with its fix; empty when they are valid.</summary>
    IReadOnlyList<string> GetErrors();
}

/// <summary>The single validation path of <see cref="IValidatedOptions"/>.</summary>
public static class OptionsValidation
{
    /// <summary>Returns <paramref name="options"/> when valid.</summary>
    /// <param name="options">The options.</param>
    /// <param name="subject">What they are, for the message, e.g. <c>run settings</c>.</param>
    /// <exception cref="InvalidOptionsException">Some option is invalid; the message lists each problem.</exception>
    public static T Validate<T>(T options, string subject)
        where T : IValidatedOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetErrors();
        return errors.Count == 0 ? options : throw new InvalidOptionsException(subject, errors);
    }
}

/// <summary>Options that cannot work: one user error listing every problem and its fix.</summary>
public class InvalidOptionsException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="subject">What the options are, e.g. <c>run settings</c>.</param>
    /// <param name="errors">One sentence per problem, each with its fix.</param>
    public InvalidOptionsException(string subject, IReadOnlyList<string> errors)
        : base(errors.Count == 1 ? errors[0] : $"The {subject} have problems:" + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e)))
    {
        Errors = errors;
    }

    /// <summary>Each problem with its fix.</summary>
    public IReadOnlyList<string> Errors { get; }
}
