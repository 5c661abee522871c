using System.Runtime.InteropServices;

namespace Hyperagents.Cluster;

/// <summary>Where the localhost clusters of this user live: <c>$TMPDIR/hyperagents-&lt;uid&gt;/clusters/&lt;name&gt;/</c>
/// (<c>/tmp/…</c> when <c>TMPDIR</c> is unset), each folder readable by its owner only.</summary>
internal static class LocalClusterFolder
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>This user's folder of localhost clusters.</summary>
    public static string UserRoot => Path.Combine(Path.GetTempPath(), $"hyperagents-{(OperatingSystem.IsWindows() ? Environment.UserName : GetEuid().ToString(System.Globalization.CultureInfo.InvariantCulture))}");

    /// <summary>The folder of the localhost cluster <paramref name="name"/>.</summary>
    /// <param name="name">A name <see cref="ClusterSpec.Parse"/> accepted.</param>
    public static string For(string name) => Path.Combine(UserRoot, "clusters", name);

    /// <summary>Creates the cluster's folder (and its parents) for this user only, and checks that the user's folder
    /// is not shared: one another user created first, or a link, is refused.</summary>
    /// <param name="name">The cluster's name.</param>
    /// <exception cref="ClusterMembershipException">The folder cannot be made, or is open to others (one line naming the fix).</exception>
    public static string Ensure(string name)
    {
        var root = UserRoot;
        var folder = For(name);
        try
        {
            foreach (var dir in new[] { root, Path.Combine(root, "clusters"), folder })
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(dir);
                    continue;
                }

                Directory.CreateDirectory(dir, OwnerOnly);
                var info = new DirectoryInfo(dir);
                if (info.LinkTarget is not null || (info.UnixFileMode & ~OwnerOnly) != 0)
                {
                    throw new ClusterMembershipException($"The localhost cluster folder {dir} is {(info.LinkTarget is not null ? "a link" : "open to other users")}; remove {root} (another user may have made it) or set TMPDIR to a folder of your own.");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClusterMembershipException($"Cannot make the localhost cluster folder {folder}: {ex.Message}; remove {root} if another user made it, or set TMPDIR to a folder of your own.", ex);
        }

        return folder;
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
