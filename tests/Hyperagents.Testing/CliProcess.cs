using System.Diagnostics;
using System.Text;

namespace Hyperagents.Testing;

/// <summary>Runs the real <c>hyperagents</c> program (the <c>hyperagents.dll</c> built into the test's output) as a
/// separate process: native workers need a real entry point. An instance owns a temporary root with an archive folder;
/// the static members start the program in any folder.</summary>
public sealed class CliProcess : IDisposable
{
    public CliProcess()
    {
        Root = Path.Combine(Path.GetTempPath(), "ha-cli-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string Archive => Path.Combine(Root, "archive");

    public Dictionary<string, string?> Environment { get; } = new() { ["OPENAI_API_KEY"] = null, ["ANTHROPIC_API_KEY"] = null };

    /// <summary>Everything the program printed, over all calls.</summary>
    public StringBuilder AllOutput { get; } = new();

    public static string RepoRoot => RepositoryRoot.Path;

    public static string SeedAgent => Path.Combine(RepoRoot, "seeds", "default");

    public (int Exit, string Output) Run(params string[] args) => Run(args, withArchive: true);

    /// <summary>For commands that take no archive (domains, score, check, doctor).</summary>
    public (int Exit, string Output) RunWithoutArchive(params string[] args) => Run(args, withArchive: false);

    /// <summary>For commands that read standard input (repl): <paramref name="input"/> is written, then closed.</summary>
    public (int Exit, string Output) RunWithInput(string input, params string[] args) => Run(args, withArchive: true, input);

    private (int Exit, string Output) Run(string[] args, bool withArchive, string? input = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hyperagents.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null, WorkingDirectory = Root };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        if (withArchive)
        {
            start.ArgumentList.Add("--archive");
            start.ArgumentList.Add(Archive);
        }

        start.Environment["COLUMNS"] = "240";
        start.Environment.Remove("HYPERAGENTS_ARCHIVE");
        foreach (var (k, v) in Environment)
        {
            if (v is null)
            {
                start.Environment.Remove(k);
            }
            else
            {
                start.Environment[k] = v;
            }
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        // A hang guard, not a speed check: far beyond any command here, even on a starved machine.
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("hyperagents " + string.Join(' ', args) + " did not finish in 10 minutes");
        }

        var output = stdout.Result + stderr.Result;
        lock (AllOutput)
        {
            AllOutput.Append(output);
        }

        return (process.ExitCode, output);
    }

    /// <summary>Runs git in a run's folder (see <see cref="GitProcess"/>).</summary>
    public string Git(string runFolder, string input, params string[] args) => GitProcess.RunWithInput(runFolder, input, args);

    /// <summary>Starts <c>hyperagents</c> in <paramref name="workingDirectory"/>, its standard output and error collected
    /// line by line into <paramref name="output"/> (lock it to read while the program runs).</summary>
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

    /// <summary>Runs <c>hyperagents</c> in <paramref name="workingDirectory"/> to its end (a hang guard of 10 minutes, far
    /// beyond any command here even on a starved machine).</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string workingDirectory, params string[] args)
    {
        var output = new StringBuilder();
        using var p = Start(workingDirectory, output, args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await p.WaitForExitAsync(timeout.Token);
        p.WaitForExit();
        lock (output)
        {
            return (p.ExitCode, output.ToString());
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
