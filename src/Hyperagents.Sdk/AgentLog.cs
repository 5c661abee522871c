using Hyperagents.Transport;

namespace Hyperagents;

/// <summary>The agent's log. Lines are capped in length and count by the host and land in the evaluation record.</summary>
public sealed class AgentLog
{
    private readonly IHostChannel _channel;

    internal AgentLog(IHostChannel channel) => _channel = channel;

    /// <summary>Logs an informational line.</summary>
    /// <param name="message">The line.</param>
    public ValueTask InfoAsync(string message) => WriteAsync("info", message);

    /// <summary>Logs a warning.</summary>
    /// <param name="message">The line.</param>
    public ValueTask WarningAsync(string message) => WriteAsync("warning", message);

    /// <summary>Logs a debug line.</summary>
    /// <param name="message">The line.</param>
    public ValueTask DebugAsync(string message) => WriteAsync("debug", message);

    private async ValueTask WriteAsync(string level, string message) =>
        await _channel.CallAsync(Capabilities.Log, new LogRequest(level, message), SdkJson.Default.LogRequest, SdkJson.Default.Ack)
            .ConfigureAwait(false);
}

/// <summary>What is left of the budget; read it with <see cref="Budget.GetAsync"/>.</summary>
public sealed class Budget
{
    private readonly IHostChannel _channel;

    internal Budget(IHostChannel channel) => _channel = channel;

    /// <summary>Asks the host what is left.</summary>
    public ValueTask<BudgetStatus> GetAsync() =>
        _channel.CallAsync(Capabilities.Budget, new Ack(), SdkJson.Default.Ack, SdkJson.Default.BudgetStatus);
}

/// <summary>What is left of the current call's budget, as the host counts it.</summary>
/// <param name="WallSecondsLeft">Wall-clock seconds before the deadline.</param>
/// <param name="TokensLeft">Model tokens (equivalent tokens) left, or <see langword="null"/> when unlimited.</param>
/// <param name="EvaluationsLeft">Try-evaluations left (meta agent only), or <see langword="null"/> when not applicable.</param>
/// <param name="ModelCallsLeft">Model calls left in this call.</param>
/// <param name="SnippetsLeft">Scratchpad snippet runs left (meta agent only), or <see langword="null"/> when not applicable.</param>
public sealed record BudgetStatus(double WallSecondsLeft, long? TokensLeft, int? EvaluationsLeft, int ModelCallsLeft, int? SnippetsLeft = null);
