using System.Diagnostics;

namespace Hyperagents.Testing;

/// <summary>Runs the real <c>git</c> program, for tests that inspect or tamper with a run's repository from outside.</summary>
public static class GitProcess
{
    /// <summary>Runs <c>git</c> in <paramref name="folder"/> with <paramref name="input"/> on its standard input and returns
    /// its standard output.</summary>
    /// <exception cref="InvalidOperationException">git exited non-zero (the message holds its error output).</exception>
    public static string RunWithInput(string folder, string? input, params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        try
        {
            if (!string.IsNullOrEmpty(input))
            {
                process.StandardInput.Write(input);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // git exited without reading its input (it needed none); its exit code says whether it worked.
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return process.ExitCode == 0
            ? stdout.Result
            : throw new InvalidOperationException($"git {string.Join(' ', args)} in {folder} exited {process.ExitCode}: {stderr.Result}");
    }

    /// <summary>Runs <c>git</c> in <paramref name="folder"/> with nothing on its standard input.</summary>
    public static string Run(string folder, params string[] args) => RunWithInput(folder, null, args);
}
