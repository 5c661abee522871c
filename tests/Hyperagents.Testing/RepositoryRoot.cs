namespace Hyperagents.Testing;

/// <summary>The repository the tests were built from: the first folder above the test binaries holding Hyperagents.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    /// <summary>A path below the repository root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Hyperagents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Hyperagents.sln) was not found above " + AppContext.BaseDirectory);
    }
}
