using System.Diagnostics;
using System.Text;

namespace Hyperagents.Archive.Tests;

/// <summary>The real git binary.</summary>
public static class Git
{
    public static (int Exit, string Out, string Err) Run(string repo, params string[] args) => RunWithInput(repo, null, args);

    public static (int Exit, string Out, string Err) RunWithInput(string repo, string? input, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-C");
        info.ArgumentList.Add(repo);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_AUTHOR_NAME"] = "tamperer";
        info.Environment["GIT_AUTHOR_EMAIL"] = "t@example.com";
        info.Environment["GIT_COMMITTER_NAME"] = "tamperer";
        info.Environment["GIT_COMMITTER_EMAIL"] = "t@example.com";
        using var process = Process.Start(info)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Out(string repo, params string[] args)
    {
        var (exit, stdout, stderr) = Run(repo, args);
        Assert.True(exit == 0, $"git {string.Join(' ', args)} failed ({exit}): {stderr}");
        return stdout.Trim();
    }

    /// <summary>Asserts <c>git fsck --full</c> exits 0 and reports nothing but (harmless) dangling objects.</summary>
    public static void AssertFsckClean(string repo)
    {
        var (exit, stdout, stderr) = Run(repo, "fsck", "--full", "--strict");
        var bad = (stdout + "\n" + stderr).Split('\n')
            .Where(l => l.Trim().Length > 0 && !l.StartsWith("dangling ", StringComparison.Ordinal) && !l.StartsWith("Checking", StringComparison.Ordinal))
            .ToList();
        Assert.True(exit == 0 && bad.Count == 0, $"git fsck --full: exit {exit}\n{string.Join('\n', bad)}");
    }
}

/// <summary>Test data.</summary>
public static class Some
{
    public static ArchiveOptions FastOptions => new() { Durability = Durability.None, Clock = new FixedClock() };

    public static RunManifest Manifest(string name = "demo") =>
        new(name, "arithmetic", "basic", System.Text.Json.JsonDocument.Parse("""{"generations":3}""").RootElement);

    public static Dictionary<string, string> SeedFiles() => new()
    {
        ["task/Solve.cs"] = "class Solve\n{\n    int Answer => 41;\n}\n",
        ["meta/Modify.cs"] = "class Modify\n{\n}\n",
        ["meta/prompt.md"] = "Improve yourself.\n",
        ["README.md"] = "seed\n",
    };

    public static Dictionary<string, string> With(Dictionary<string, string> files, string path, string? content)
    {
        var copy = new Dictionary<string, string>(files);
        if (content is null)
        {
            copy.Remove(path);
        }
        else
        {
            copy[path] = content;
        }

        return copy;
    }

    public static NewVariant Variant(Dictionary<string, string> files, string? parent = null, VariantStatus? status = null) => new()
    {
        Parent = parent,
        Files = files,
        Status = status ?? VariantStatus.Accepted,
        Model = new ModelUsage("offline", "mutation-toolkit", 10, 20, 1),
        Tools = new ToolVersions("0.1.0", "10.0", "5.12.0", "50.0.1", "10.0.0"),
        GatePolicyHash = "gate-abc",
        EvaluatorHash = "eval-123",
        Seeds = new Dictionary<string, long> { ["mutation"] = 7 },
        Transcript = "{\"type\":\"request\",\"text\":\"hi\"}\n{\"type\":\"response\",\"text\":\"ok\"}\n{\"type\":\"tool\",\"name\":\"write\"}\n",
    };

    public static Evaluation Evaluation(double train, double? val = null)
    {
        var splits = new Dictionary<string, SplitEvaluation>
        {
            ["train"] = new(train, [new TaskEvaluation("t1", train, "ok", "fine", 1000, 1.5)]),
        };
        if (val is { } v)
        {
            splits["val"] = new(v, [new TaskEvaluation("v1", v, "ok")]);
        }

        return new Evaluation
        {
            EvaluatorHash = "eval-123",
            Splits = splits,
            Seeds = new Dictionary<string, long> { ["tasks"] = 1 },
            Limits = new Dictionary<string, long> { ["fuel"] = 1_000_000 },
            At = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            Milliseconds = 12.5,
        };
    }
}
