namespace Hyperagents.Hosting.Sessions;

/// <summary>Budgets and caps of one agent session (one entry-point call), enforced on the host side.</summary>
public sealed record SessionOptions
{
    /// <summary>Wall-clock budget the agent is told about; the runner enforces the real deadline.</summary>
    /// <value>Default 10 s.</value>
    public TimeSpan WallClock { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Try-evaluations the meta agent may request.</summary>
    /// <value>Default 4.</value>
    public int MaxEvaluations { get; init; } = 4;

    /// <summary>Scratchpad snippets the meta agent may run.</summary>
    /// <value>Default 20.</value>
    public int MaxSnippets { get; init; } = 20;

    /// <summary>Model calls allowed in this session.</summary>
    /// <value>Default 60.</value>
    public int MaxModelCalls { get; init; } = 60;

    /// <summary>Equivalent tokens left for the run, or <see langword="null"/> when unlimited; read at each budget query.</summary>
    public Func<long?> TokensLeft { get; init; } = static () => null;

    /// <summary>Log lines kept; later lines are counted and dropped.</summary>
    /// <value>Default 500.</value>
    public int MaxLogLines { get; init; } = 500;

    /// <summary>Characters kept of one log line.</summary>
    /// <value>Default 2,000.</value>
    public int MaxLogLineLength { get; init; } = 2_000;

    /// <summary>What <c>context.SharedBestAsync()</c> is served (<c>--share-best</c>), or <see langword="null"/> when the
    /// call is not granted (no flag, a val or test task, a try-evaluation, <c>eval</c>).</summary>
    public SharedBestGrant? SharedBest { get; init; }
}

/// <summary>The shared answer a task session may serve: the best archived answer of its train task.</summary>
/// <param name="Answer">The answer, or <see langword="null"/> when none is archived yet.</param>
public sealed record SharedBestGrant(string? Answer)
{
    /// <summary>The longest answer shared, in characters; a longer one is never recorded for sharing, nor served.</summary>
    public const int MaxChars = 16 * 1024;
}
