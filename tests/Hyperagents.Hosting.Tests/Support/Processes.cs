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
}
