using System.Globalization;

namespace Hyperagents.Hosting.Tests.Support;

/// <summary>Process liveness from outside, for kill and orphan checks.</summary>
internal static class Processes
{
    /// <summary>Whether a process with this id exists and is not a zombie (a zombie runs nothing; it only waits to be
    /// reaped by whatever adopted it).</summary>
    public static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }

            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Waits until the process is gone (it may take the kernel a moment to reap), up to a generous bound.</summary>
    public static async Task<bool> GoneWithinAsync(int pid, TimeSpan bound)
    {
        var until = DateTime.UtcNow + bound;
        while (IsAlive(pid))
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>The live processes descended from <paramref name="root"/> (Linux), found through every process's parent
    /// in <c>/proc</c>.</summary>
    public static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var pid in All())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        var found = new HashSet<int> { root };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (found.Contains(parent) && found.Add(pid))
                {
                    grew = true;
                }
            }
        }

        found.Remove(root);
        return [.. found.Where(IsAlive)];
    }

    /// <summary>The live processes of the whole machine whose name (<c>comm</c>) is <paramref name="name"/> (Linux).</summary>
    public static List<int> Named(string name) => [.. All().Where(pid => Comm(pid) == name && IsAlive(pid))];

    private static IEnumerable<int> All() =>
        Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0).Where(pid => pid > 0);

    private static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
