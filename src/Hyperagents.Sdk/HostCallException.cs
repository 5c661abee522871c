namespace Hyperagents;

/// <summary>The host refused or failed an SDK request: a capability not granted, a limit reached, bad arguments.</summary>
/// <remarks>Agent code may catch it and carry on; the refusal is recorded on the host side either way.</remarks>
public sealed class HostCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="capability">The capability that was called.</param>
    /// <param name="code">A stable machine-readable reason, e.g. <c>budget-exhausted</c>.</param>
    /// <param name="message">A human-readable explanation.</param>
    public HostCallException(string capability, string code, string message)
        : base($"{capability}: {message}")
    {
        Capability = capability;
        Code = code;
    }

    /// <summary>The capability that was called.</summary>
    public string Capability { get; }

    /// <summary>A stable machine-readable reason, e.g. <c>budget-exhausted</c>, <c>not-found</c>, <c>too-large</c>.</summary>
    public string Code { get; }
}
