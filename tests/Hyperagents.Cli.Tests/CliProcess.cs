using System.Diagnostics;
using System.Text;

namespace Hyperagents.Cli.Tests;

/// <summary>Runs the real <c>hyperagents</c> program as a separate process (native workers need a real entry point).</summary>
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

        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("hyperagents " + string.Join(' ', args) + " did not finish in 3 minutes");
        }

        var output = stdout.Result + stderr.Result;
        lock (AllOutput)
        {
            AllOutput.Append(output);
        }

        return (process.ExitCode, output);
    }

    public string Git(string runFolder, string input, params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(runFolder);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {stderr.Result}");
        return stdout.Result;
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
