using System.Text.Json;
using Hyperagents.Archive;

namespace Hyperagents.Cli.Runs;

/// <summary>What changes about a run between sessions, kept beside the archive's journal inside the run's git directory
/// (like <see cref="ModelLedgerStore"/>): the settings of the latest session (<c>hyperagents/settings.json</c>; the
/// manifest keeps the settings the run was created with, and a commit cannot change) and the wall time and counts of
/// every session (<c>hyperagents/sessions.json</c>), from which <c>status</c> reports the pace of a stopped run.</summary>
/// <remarks>Neither file is evidence: both are conveniences for display and for resuming, rewritten atomically; a
/// missing or torn file falls back to the manifest (settings) or to nothing (pace).</remarks>
internal static class RunState
{
    private const string SettingsFile = "settings.json";
    private const string SessionsFile = "sessions.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The run's manifest with the settings of its latest session in place of those it was created with, so
    /// every reader (status, resume, eval, replay) sees what <c>resume</c> changed: <c>resume --generations 6</c> on a
    /// three-generation run makes the target 6 for every later command.</summary>
    public static RunManifest CurrentManifest(ArchiveRun run)
    {
        var manifest = run.ReadManifest();
        try
        {
            var file = PathOf(run, SettingsFile);
            return File.Exists(file) ? manifest with { Config = JsonDocument.Parse(File.ReadAllText(file)).RootElement.Clone() } : manifest;
        }
        catch (JsonException)
        {
            return manifest;
        }
    }

    /// <summary>Records the settings a session runs with (call before it starts).</summary>
    public static void SaveSettings(ArchiveRun run, JsonElement config) => Write(PathOf(run, SettingsFile), config.GetRawText());

    /// <summary>Every session recorded so far, oldest first; empty when none was.</summary>
    public static IReadOnlyList<RunSession> Sessions(ArchiveRun run)
    {
        try
        {
            var file = PathOf(run, SessionsFile);
            return File.Exists(file) ? JsonSerializer.Deserialize<List<RunSession>>(File.ReadAllText(file), Json) ?? [] : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Starts recording a session; the returned action updates its record (call it after every attempt).</summary>
    public static Action<RunRates> BeginSession(ArchiveRun run)
    {
        var sessions = Sessions(run).ToList();
        var index = sessions.Count;
        var gate = new object();
        return rates =>
        {
            lock (gate)
            {
                var record = new RunSession(rates.Elapsed.TotalSeconds, rates.Evaluations, rates.Children);
                if (sessions.Count == index)
                {
                    sessions.Add(record);
                }
                else
                {
                    sessions[index] = record;
                }

                Write(PathOf(run, SessionsFile), JsonSerializer.Serialize(sessions, Json));
            }
        };
    }

    /// <summary>The pace over every recorded session, pauses between sessions left out; <see langword="null"/> when no
    /// session was recorded (a run made before sessions were).</summary>
    /// <param name="run">The run.</param>
    /// <param name="generationsLeft">Attempts still to make before the run's target.</param>
    public static RunRates? Pace(ArchiveRun run, int generationsLeft)
    {
        var sessions = Sessions(run);
        return sessions.Count == 0
            ? null
            : new RunRates(TimeSpan.FromSeconds(sessions.Sum(s => s.Seconds)), sessions.Sum(s => s.Evaluations), sessions.Sum(s => s.Children), generationsLeft);
    }

    private static string PathOf(ArchiveRun run, string name) => Path.Combine(run.Path, "hyperagents", name);

    private static void Write(string file, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var temp = file + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, file, overwrite: true);
    }
}

/// <summary>One session of a run (a <c>run</c> or a <c>resume</c>): its wall time and what it did.</summary>
/// <param name="Seconds">Wall time of the session up to its last attempt.</param>
/// <param name="Evaluations">Variants it evaluated.</param>
/// <param name="Children">Attempts it archived.</param>
internal sealed record RunSession(double Seconds, int Evaluations, int Children);
