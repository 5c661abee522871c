using Hyperagents.Archive;
using Hyperagents.Hosting.Sessions;

namespace Hyperagents.Engine;

/// <summary>How the loop reaches language models: one chat session per agent call, with its usage and exchanges
/// readable afterwards for the archive. The offline engine uses <see cref="ModelAccess.None"/>.</summary>
public interface IModelAccess
{
    /// <summary>A chat for one <c>ModifySelf</c> call, or <see langword="null"/> when no meta model is configured.</summary>
    /// <param name="session">A unique session id, e.g. <c>attempt-7/meta</c>.</param>
    IChatService? OpenMeta(string session);

    /// <summary>A chat for one <c>SolveTask</c> call, or <see langword="null"/> when no task model is configured.</summary>
    /// <param name="session">A unique session id.</param>
    IChatService? OpenTask(string session);

    /// <summary>The model usage of a session, for the variant's provenance; <see langword="null"/> when it made no call.</summary>
    /// <param name="session">The session id.</param>
    ModelUsage? UsageOf(string session);

    /// <summary>The session's model exchanges as JSON lines, for the variant's transcript; <see langword="null"/> when none.</summary>
    /// <param name="session">The session id.</param>
    string? TranscriptOf(string session);

    /// <summary>Why the run's model budget is spent, or <see langword="null"/> while it is not.</summary>
    string? ExhaustedReason { get; }
}

/// <summary>Model access helpers.</summary>
public static class ModelAccess
{
    /// <summary>No model: the seed's meta agent falls back to the offline mutation toolkit.</summary>
    public static IModelAccess None { get; } = new NoModels();

    private sealed class NoModels : IModelAccess
    {
        public string? ExhaustedReason => null;

        public IChatService? OpenMeta(string session) => null;

        public IChatService? OpenTask(string session) => null;

        public ModelUsage? UsageOf(string session) => null;

        public string? TranscriptOf(string session) => null;
    }
}
