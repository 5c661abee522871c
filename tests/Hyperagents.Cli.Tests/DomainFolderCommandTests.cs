using Hyperagents.Archive;
using Hyperagents.Domains;

namespace Hyperagents.Cli.Tests;

/// <summary>One package scaffolded by <c>hyperagents new domain</c> (and its agent by <c>new agent</c>), shared by the
/// tests below, plus one short run of it for the commands that take a run.</summary>
public sealed class ScaffoldedPackageFixture : IDisposable
{
    private readonly Lazy<string> _run;

    public ScaffoldedPackageFixture()
    {
        Cli = new CliProcess();
        Package = Path.Combine(Cli.Root, "pkg");
        Agent = Path.Combine(Cli.Root, "agent");
        var (domainExit, domainOut) = Cli.RunWithoutArchive("new", "domain", Package);
        Assert.True(domainExit == 0, domainOut);
        var (agentExit, agentOut) = Cli.RunWithoutArchive("new", "agent", Agent, "--domain", Package);
        Assert.True(agentExit == 0, agentOut);
        Hash = DomainPackage.LoadFolder(Package).Hash;
        _run = new Lazy<string>(() =>
        {
            var (exit, output) = Cli.Run("run", "--domain", Package, "--seed-agent", Agent, "--generations", "0", "--replicates", "1", "--isolation", "native", "--name", "r");
            Assert.True(exit == 0, output);
            return "r";
        });
    }

    public CliProcess Cli { get; }

    /// <summary>The scaffolded package's folder (its name is <c>pkg</c>).</summary>
    public string Package { get; }

    public string Agent { get; }

    public string Hash { get; }

    /// <summary>A run of the package: its seed evaluated, no generations (made on first use).</summary>
    public string Run => _run.Value;

    public void Dispose() => Cli.Dispose();
}

/// <summary><c>--domain &lt;folder&gt;</c> is honoured by every command that takes a domain, and the commands that take a
/// run use the package the run archived from that folder.</summary>
public sealed class DomainFolderCommandTests(ScaffoldedPackageFixture fixture) : IClassFixture<ScaffoldedPackageFixture>
{
    [Fact]
    public void Domains_describes_the_package_in_a_folder()
    {
        var (exit, output) = fixture.Cli.RunWithoutArchive("domains", fixture.Package);

        Assert.True(exit == 0, output);
        Assert.Contains("pkg 0.1.0", output, StringComparison.Ordinal);
        Assert.Contains(fixture.Hash, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Score_scores_with_the_evaluator_of_the_package_in_a_folder()
    {
        var answer = Path.Combine(fixture.Cli.Root, "answer.json");
        File.WriteAllText(answer, "{\"x\": 7}");

        var (exit, output) = fixture.Cli.RunWithoutArchive("score", "--domain", fixture.Package, "--task", "v1", "--isolation", "native", answer);

        Assert.True(exit == 0, output);
        Assert.Contains("1.000000", output, StringComparison.Ordinal);
        Assert.Contains(fixture.Hash, output, StringComparison.Ordinal);
    }

    [Fact]
    public void Try_runs_the_agent_on_the_tasks_of_the_package_in_a_folder()
    {
        var (exit, output) = fixture.Cli.RunWithoutArchive("try", fixture.Agent, "--domain", fixture.Package, "--isolation", "native", "--tasks", "1");

        Assert.True(exit == 0, output);
        Assert.Contains("t1", output, StringComparison.Ordinal);
        Assert.Contains("train task(s) of pkg", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_archives_the_package_of_the_folder_and_names_it_in_its_header_and_status_keeps_the_folder()
    {
        using (var run = ArchiveRun.Open(Path.Combine(fixture.Cli.Archive, fixture.Run)))
        {
            Assert.Equal("pkg", run.ReadManifest().Domain);
            Assert.Equal(fixture.Hash, run.ReadManifest().DomainPackage);
            Assert.Equal(File.ReadAllBytes(Path.Combine(fixture.Package, "domain.json")), run.ReadDomainPackage()!["domain.json"]);
        }

        var header = fixture.Cli.AllOutput.ToString();
        Assert.Contains("run r: domain pkg 0.1.0,", header, StringComparison.Ordinal);
        var (exit, status) = fixture.Cli.Run("status", fixture.Run);
        Assert.True(exit == 0, status);
        Assert.Contains(Path.GetFullPath(fixture.Package), status, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_opens_the_package_archived_from_the_folder()
    {
        var (exit, output) = fixture.Cli.Run("resume", fixture.Run, "--generations", "0");

        Assert.True(exit == 0, output);
        Assert.Contains("resume r: domain pkg 0.1.0,", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_scores_on_the_test_split_of_the_package_archived_from_the_folder()
    {
        var (exit, output) = fixture.Cli.Run("eval", fixture.Run, "best", "--split", "test");

        Assert.True(exit == 0, output);
        Assert.Contains("x1", output, StringComparison.Ordinal);
        Assert.Contains("attached", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_re_scores_with_the_package_archived_from_the_folder()
    {
        var (exit, output) = fixture.Cli.Run("replay", fixture.Run, "all", "--tolerance", "1e-9");

        Assert.True(exit == 0, output);
        Assert.Contains("replay matches", output, StringComparison.Ordinal);
    }
}
