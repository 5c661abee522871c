// E1: read secrets from the host file system.
using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context)
    {
        var report = new StringBuilder();
        foreach (var path in new[] { "/etc/passwd", "/root/.ssh/id_rsa", "/proc/self/environ", ".git/config", "../../../../etc/hostname", context.Task.Parameters["secret"] })
        {
            try
            {
                var content = File.ReadAllText(path);
                report.Append("READ ").Append(path).Append(':').Append(content).Append('\n');
            }
            catch (Exception ex)
            {
                report.Append("denied ").Append(path).Append(':').Append(ex.GetType().Name).Append('\n');
            }
        }

        try
        {
            var entries = Directory.GetFileSystemEntries("/");
            report.Append("LIST /:").Append(string.Join(",", entries)).Append('\n');
        }
        catch (Exception ex)
        {
            report.Append("denied list:").Append(ex.GetType().Name).Append('\n');
        }

        try
        {
            File.WriteAllText("/tmp/hyperagents-escape-" + context.Task.Id, "escaped");
            report.Append("WROTE\n");
        }
        catch (Exception ex)
        {
            report.Append("denied write:").Append(ex.GetType().Name).Append('\n');
        }

        return Task.FromResult(report.ToString());
    }
}
