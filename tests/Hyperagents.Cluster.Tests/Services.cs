using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Hyperagents.Cluster.Tests;

/// <summary>Debian packages a test needs, installed with apt-get when missing (the way docs/cluster.md says).</summary>
internal static class Apt
{
    public static async Task<string> EnsureAsync(string package, Func<string?> find)
    {
        if (find() is { } found)
        {
            return found;
        }

        foreach (var args in new[] { "update -qq", $"install -y -qq --no-install-recommends {package}" })
        {
            var (exit, output) = await RunAsync("apt-get", args.Split(' '), new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" }, TimeSpan.FromMinutes(10));
            Assert.True(exit == 0, $"apt-get {args} failed: {output}");
        }

        return find() ?? throw new InvalidOperationException($"{package} is still missing after apt-get install {package}.");
    }

    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? guard = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(guard ?? TimeSpan.FromMinutes(2)).Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

/// <summary>A private PostgreSQL cluster (Debian's <c>postgresql</c>, installed with apt-get when missing): initdb in a
/// temporary folder with a password-protected role, started on a free loopback port, stopped and deleted on dispose.
/// initdb refuses to run as root, so as root the server runs as the package's <c>postgres</c> user.</summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string User = "hyper";

    private readonly string _folder;
    private readonly string[] _as;

    private PostgresServer(string folder, string[] asUser, int port, string password) => (_folder, _as, Port, Password) = (folder, asUser, port, password);

    public int Port { get; }

    public string Password { get; }

    /// <summary>The cluster spec for one of its databases (never with the password).</summary>
    public string Spec(string database = "postgres") => $"postgresql://{User}@127.0.0.1:{Port}/{database}";

    public static async Task<PostgresServer> StartAsync(string folder)
    {
        var bin = Path.GetDirectoryName(await Apt.EnsureAsync("postgresql", FindInitdb))!;
        Directory.CreateDirectory(folder);
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var passwordFile = Path.Combine(folder, "password");
        await File.WriteAllTextAsync(passwordFile, password);
        string[] asUser = Environment.UserName == "root" ? ["runuser", "-u", "postgres", "--"] : [];
        if (asUser.Length > 0)
        {
            var (chown, output) = await Apt.RunAsync("chown", ["-R", "postgres", folder]);
            Assert.True(chown == 0, output);
        }

        var port = Apt.FreeLoopbackPort();
        var data = Path.Combine(folder, "data");
        var server = new PostgresServer(folder, asUser, port, password);
        await server.RunAsync(Path.Combine(bin, "initdb"), "-D", data, "-U", User, "--pwfile", passwordFile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C");
        File.Delete(passwordFile);
        await server.RunAsync(Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(folder, "log"), "-w", "-t", "120", "start",
            "-o", $"-c listen_addresses=127.0.0.1 -p {port.ToString(CultureInfo.InvariantCulture)} -c unix_socket_directories={folder} -c fsync=off -c full_page_writes=off");
        return server;
    }

    /// <summary>A new empty database owned by the test role.</summary>
    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One value from a database of this server.</summary>
    public async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database={database}");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var bin = Path.GetDirectoryName(FindInitdb())!;
            await RunAsync(Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop");
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string? FindInitdb() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "initdb")).Where(File.Exists).OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;

    private async Task RunAsync(string program, params string[] args)
    {
        var (exit, output) = await Apt.RunAsync(_as.Length > 0 ? _as[0] : program, [.. _as.Skip(1), .. _as.Length > 0 ? [program] : Array.Empty<string>(), .. args]);
        Assert.True(exit == 0, $"{Path.GetFileName(program)} failed: {output}");
    }
}
