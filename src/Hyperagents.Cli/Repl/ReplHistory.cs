using System.Security.Cryptography;
using System.Text;

namespace Hyperagents.Cli.Repl;

/// <summary>The submissions of interactive sessions, one file per agent folder, run variant or bare session:
/// <c>$XDG_STATE_HOME/hyperagents/repl/&lt;hash&gt;.csx</c> (else <c>~/.local/state/hyperagents/repl/</c>), each
/// submission followed by a <c>//--</c> line, so the file is C# a person can read or load.</summary>
internal static class ReplHistory
{
    private const string Separator = "\n//--\n";

    /// <summary>How many submissions a session recalls with Up.</summary>
    public const int Recalled = 500;

    /// <summary>Where the history of <paramref name="key"/> (a folder's full path, a run folder and variant id, or
    /// <c>none</c>) is kept.</summary>
    public static string PathFor(string key)
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(state, "hyperagents", "repl", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16] + ".csx");
    }

    /// <summary>The last <paramref name="count"/> submissions of the file, oldest first; none when it cannot be read.</summary>
    public static IReadOnlyList<string> Load(string path, int count = Recalled)
    {
        try
        {
            return File.Exists(path)
                ? File.ReadAllText(path).Split(Separator, StringSplitOptions.RemoveEmptyEntries).Select(e => e.TrimEnd('\n')).Where(e => e.Length > 0).TakeLast(count).ToList()
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Appends a submission; a history that cannot be written does not stop the session.</summary>
    public static void Append(string path, string code)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.AppendAllText(path, code + Separator);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // History is a convenience: a read-only home does not stop the session.
        }
    }
}
