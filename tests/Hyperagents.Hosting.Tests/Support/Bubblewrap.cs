using System.Diagnostics;
using System.Text;

namespace Hyperagents.Hosting.Tests.Support;

/// <summary>
/// Debian's <c>bubblewrap</c>, installed with apt when missing (tests run as root on CI and dev machines). When the
/// contained tier cannot run here, every test using it fails with the reason: a containment test that silently passes
/// proves nothing.
/// </summary>
public sealed class BubblewrapFixture
{
    public BubblewrapFixture()
    {
        if (!File.Exists("/usr/bin/bwrap"))
        {
            Apt.Install("bubblewrap");
        }

        var availability = ContainedAvailability.Check();
        if (!availability.Available)
        {
            throw new InvalidOperationException("The contained tier cannot run here: " + availability.Detail);
        }

        Availability = availability;
    }

    public ContainedAvailability Availability { get; }
}

/// <summary>Installs a Debian package with apt-get (tests run as root on CI and dev machines); fails with apt's output
/// and the command to run by hand.</summary>
public static class Apt
{
    public static void Install(string package)
    {
        var log = new StringBuilder();
        foreach (var args in new[] { "update", "install -y --no-install-recommends " + package })
        {
            var info = new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
            int exit;
            try
            {
                using var process = Process.Start(info)!;
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                process.WaitForExit();
                exit = process.ExitCode;
                var output = stdout.Result + stderr.Result;
                log.AppendLine($"$ apt-get {args} (exit {exit})").AppendLine(output.Length > 4000 ? output[^4000..] : output);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                exit = -1;
                log.AppendLine($"apt-get could not start: {e.Message}");
            }

            if (exit != 0)
            {
                throw new InvalidOperationException(
                    $"{package} is not installed and 'apt-get {args}' failed (exit {exit}). Install it as root with 'apt-get update && apt-get install -y {package}', then rerun.\n{log}");
            }
        }
    }
}
