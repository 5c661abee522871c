namespace Hyperagents.Archive;

/// <summary>A problem the user or caller can fix (missing run, unknown variant, bad path); the message says how.</summary>
public sealed class ArchiveException : Hyperagents.Transport.UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    public ArchiveException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="inner">The cause.</param>
    public ArchiveException(string message, Exception inner) : base(message, inner)
    {
    }
}
