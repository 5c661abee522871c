using System.Diagnostics;
using System.Text;

namespace Hyperagents.Engine.Tests.Support;

/// <summary>The hyperagents CLI built into the test output, started as a child process: <c>dotnet hyperagents.dll ...</c>.</summary>
internal static class CliProcess
{
    public static Process Start(string workingDirectory, StringBuilder output, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hyperagents.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NO_COLOR"] = "1";
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static async Task<(int Exit, string Output)> RunAsync(string workingDirectory, params string[] args)
    {
        var output = new StringBuilder();
        using var p = Start(workingDirectory, output, args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await p.WaitForExitAsync(timeout.Token);
        p.WaitForExit();
        lock (output)
        {
            return (p.ExitCode, output.ToString());
        }
    }
}
