using System.Diagnostics;
using System.Text;
using Hyperagents.Archive;
using Hyperagents.Testing;
using LibGit2Sharp;

namespace Hyperagents.Cluster.Tests;

/// <summary>The <c>--cluster postgresql://…</c> spec, without a server.</summary>
public sealed class PostgresSpecTests
{
    [Theory]
    [InlineData("postgresql://hyper@db.example:6543/runs", "postgresql://hyper@db.example:6543/runs")]
    [InlineData("postgres://hyper@10.0.0.5/runs", "postgresql://hyper@10.0.0.5:5432/runs")]
    [InlineData("postgresql://hyper@10.0.0.5:5433/runs?sslmode=require", "postgresql://hyper@10.0.0.5:5433/runs?sslmode=require")]
    public void A_PostgreSQL_spec_parses_to_its_normal_form(string given, string normal)
    {
        var spec = ClusterSpec.Parse(given, out var error);
        Assert.True(spec is not null, error);
        Assert.Equal(normal, spec.Text);
        Assert.False(spec.IsLocalhost);
    }

    [Theory]
    [InlineData("postgresql://hyper:hunter2-secret@127.0.0.1:5432/runs", "password on the command line is refused")]
    [InlineData("postgres://hyper:hunter2-secret@127.0.0.1/runs?sslmode=bogus", "password on the command line is refused")]
    [InlineData("postgresql://hyper@127.0.0.1:5432/a/b", "is not a database name")]
    [InlineData("postgresql://hyper@127.0.0.1:5432/runs?password=hunter2-secret", "is not understood")]
    [InlineData("mysql://hyper:hunter2-secret@127.0.0.1/runs", "is not a cluster")]
    public void A_bad_spec_is_one_line_naming_the_fix_and_never_echoes_a_password(string given, string says)
    {
        Assert.Null(ClusterSpec.Parse(given, out var error));
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error!.Replace("password=hunter2", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}

/// <summary>A real PostgreSQL server (Debian's package, installed with apt-get when missing), private to this class, on
/// loopback.</summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private readonly TempFolder _folder = new();

    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync(_folder.Combine("pg"));

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>PostgreSQL membership against a real server: nodes and the orchestrator find one another through it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PostgresTests(PostgresServerFixture fixture) : IClassFixture<PostgresServerFixture>
{
    private PostgresServer Server => fixture.Server;

    [Fact]
    public async Task Two_node_processes_found_through_PostgreSQL_membership_finish_a_run_that_verifies_and_the_password_is_nowhere_in_the_archive()
    {
        using var folder = new TempFolder();
        await Server.CreateDatabaseAsync("runs");
        var spec = Server.Spec("runs");
        var passwordFile = folder.Combine("db-password");
        await File.WriteAllTextAsync(passwordFile, Server.Password + "\n");
        var byVariable = new Dictionary<string, string> { [PostgresMembership.PasswordVariable] = Server.Password };
        var byFile = new Dictionary<string, string> { [PostgresMembership.PasswordFileVariable] = passwordFile };
        var archive = folder.Combine("archive");
        var nodes = new List<(Process Process, StringBuilder Output)>();
        try
        {
            nodes.Add(await Cli.StartNodeAsync(folder.Path, spec, byVariable));
            nodes.Add(await Cli.StartNodeAsync(folder.Path, spec.Replace("postgresql://", "postgres://", StringComparison.Ordinal), byFile));
            var run = await Cli.RunAsync(folder.Path, byFile, "run", "--domain", "circle-packing", "--generations", "2", "--seed", "5", "--isolation", "native", "--tasks", "2", "--replicates", "1",
                "--seed-agent", Path.Combine(AppContext.BaseDirectory, "seeds", "default"), "--archive", archive, "--name", "pg", "--cluster", spec);
            Assert.True(run.Exit == 0, run.Output);
            var verify = await Cli.RunAsync(folder.Path, "verify", "pg", "--archive", archive);
            Assert.True(verify.Exit == 0, verify.Output);

            Assert.Empty(Holding(archive, Server.Password));
            Assert.DoesNotContain(Server.Password, run.Output, StringComparison.Ordinal);
            var table = ClusterStatusText(archive);
            Assert.Contains($"\"cluster\": \"{spec}\"", table, StringComparison.Ordinal);
            foreach (var (process, _) in nodes)
            {
                Assert.Contains($"-{process.Id}-", table, StringComparison.Ordinal);
            }

            Assert.Equal(2L, await Server.ScalarAsync<long>("runs", "SELECT count(*) FROM hyperagents_members"));
        }
        finally
        {
            foreach (var (process, _) in nodes)
            {
                Cli.Kill(process);
            }
        }
    }

    [Fact]
    public async Task A_wrong_password_or_an_unreachable_server_is_one_line_naming_the_fix_exit_2_and_the_run_is_not_created()
    {
        using var folder = new TempFolder();
        var archive = folder.Combine("archive");
        var wrong = new Dictionary<string, string> { [PostgresMembership.PasswordVariable] = "not-the-password-42" };
        var right = new Dictionary<string, string> { [PostgresMembership.PasswordVariable] = Server.Password };
        string[] run = ["run", "--domain", "circle-packing", "--generations", "1", "--isolation", "native", "--archive", archive, "--name", "never"];

        var refused = await Cli.RunAsync(folder.Path, wrong, [.. run, "--cluster", Server.Spec()]);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("refused the login of 'hyper'", refused.Output, StringComparison.Ordinal);
        Assert.Contains("set PGPASSWORD", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-42", refused.Output, StringComparison.Ordinal);

        var unreachable = await Cli.RunAsync(folder.Path, right, "node", "--cluster", $"postgresql://hyper@127.0.0.1:{Apt.FreeLoopbackPort()}/postgres", "--isolation", "native");
        Assert.Equal(2, unreachable.Exit);
        Assert.Contains("Cannot reach PostgreSQL at 127.0.0.1:", unreachable.Output, StringComparison.Ordinal);

        var missing = await Cli.RunAsync(folder.Path, right, [.. run, "--cluster", Server.Spec("nosuchdb")]);
        Assert.Equal(2, missing.Exit);
        Assert.Contains("has no database 'nosuchdb'; create it", missing.Output, StringComparison.Ordinal);

        Assert.False(Directory.Exists(ArchiveStore.RunFolder(archive, "never")), "a run was created before the cluster was checked");
    }

    [Fact]
    public async Task Membership_tables_are_created_once_by_processes_starting_at_once_and_opening_again_changes_nothing()
    {
        await Server.CreateDatabaseAsync("fresh");
        var target = ClusterSpec.Parse(Server.Spec("fresh"), out _)!.Postgres!;
        var opened = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => PostgresMembership.OpenAsync(target, () => Server.Password, CancellationToken.None))));
        foreach (var membership in opened)
        {
            await membership.DisposeAsync();
        }

        Assert.Equal(9L, await Server.ScalarAsync<long>("fresh", "SELECT count(*) FROM OrleansQuery"));
        await (await PostgresMembership.OpenAsync(target, () => Server.Password, CancellationToken.None)).DisposeAsync();
        Assert.Equal(9L, await Server.ScalarAsync<long>("fresh", "SELECT count(*) FROM OrleansQuery"));
        Assert.Equal(3L, await Server.ScalarAsync<long>("fresh", "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"));
    }

    private static string ClusterStatusText(string archive) => File.ReadAllText(Path.Combine(archive, "logs", "pg.cluster.json"));

    /// <summary>Every file under the archive folder, and every git object of every run in it, that holds the text.</summary>
    private static List<string> Holding(string archive, string text)
    {
        var found = Directory.EnumerateFiles(archive, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}objects{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && File.ReadAllText(f).Contains(text, StringComparison.Ordinal))
            .ToList();
        var runs = Directory.EnumerateDirectories(archive).Where(d => File.Exists(Path.Combine(d, "HEAD"))).ToList();
        Assert.NotEmpty(runs);
        foreach (var git in runs)
        {
            using var repo = new Repository(git);
            found.AddRange(repo.ObjectDatabase.OfType<Blob>().Where(b => b.GetContentText().Contains(text, StringComparison.Ordinal)).Select(b => git + ":" + b.Sha));
        }

        return found;
    }
}
