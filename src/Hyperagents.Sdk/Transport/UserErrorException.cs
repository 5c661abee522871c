namespace Hyperagents.Transport;

/// <summary>The base of every error a user can cause and fix (a bad folder, name, file, option or configuration): the
/// command line catches this one type once and prints its message as one line; any other exception is a bug.</summary>
/// <remarks>Host infrastructure, in this namespace so that the gate keeps it from agent code. Its message must name the
/// problem and the fix, and must not contain a stack trace.</remarks>
public abstract class UserErrorException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    protected UserErrorException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="inner">The cause.</param>
    protected UserErrorException(string message, Exception inner) : base(message, inner)
    {
    }
}
