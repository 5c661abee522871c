namespace Hyperagents.Testing;

/// <summary>Files written by an older build (<c>tests/fixtures/format-2026-12</c>), which today's readers must still read.</summary>
public static class FormatFixtures
{
    /// <summary>The text of the fixture file <paramref name="name"/>.</summary>
    public static string Read(string name) => File.ReadAllText(RepositoryRoot.Combine("tests", "fixtures", "format-2026-12", name));
}
