namespace Hyperagents.Cli.Runs;

/// <summary>Finds shipped files (seeds, datasets): next to the current directory first, then next to the program.</summary>
internal static class SeedLocator
{
    /// <summary>Resolves a folder: as given if it exists, else relative to the program's own folder.</summary>
    public static string? Find(string path)
    {
        if (Directory.Exists(path) || File.Exists(path))
        {
            return Path.GetFullPath(path);
        }

        if (Path.IsPathRooted(path))
        {
            return null;
        }

        var shipped = Path.Combine(AppContext.BaseDirectory, path);
        return Directory.Exists(shipped) || File.Exists(shipped) ? shipped : null;
    }
}
