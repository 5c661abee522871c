using System.Diagnostics;
using System.Runtime.InteropServices;
using LibGit2Sharp;

namespace Hyperagents.Archive;

/// <summary>The one libgit2 option LibGit2Sharp does not expose: fsync of everything written under the git directory.</summary>
internal static unsafe class GitNative
{
    // git_libgit2_opt_t.GIT_OPT_ENABLE_FSYNC_GITDIR; stable since libgit2 0.26.
    private const int OptEnableFsyncGitDir = 19;
    private static readonly Lock Gate = new();
    private static bool? _fsync;

    /// <summary>Turns libgit2's fsync of objects, refs and their folders on or off, process-wide.</summary>
    /// <remarks>libgit2 reads the option at each write, so it applies to every open repository of the process.</remarks>
    public static void SetFsync(bool enabled)
    {
        lock (Gate)
        {
            if (_fsync == enabled)
            {
                return;
            }

            // Loading LibGit2Sharp's native library first: its resolver knows where the package put it.
            _ = GlobalSettings.GetExtensions();
            var path = FindLoadedLibgit2() ?? throw new InvalidOperationException("libgit2 is not loaded; cannot enable fsync.");
            var handle = NativeLibrary.Load(path);
            var opts = (delegate* unmanaged[Cdecl]<int, int, int>)NativeLibrary.GetExport(handle, "git_libgit2_opts");
            if (opts(OptEnableFsyncGitDir, enabled ? 1 : 0) != 0)
            {
                throw new InvalidOperationException("libgit2 refused GIT_OPT_ENABLE_FSYNC_GITDIR.");
            }

            _fsync = enabled;
        }
    }

    private static string? FindLoadedLibgit2()
    {
        var configured = GlobalSettings.NativeLibraryPath;
        using var process = Process.GetCurrentProcess();
        foreach (ProcessModule module in process.Modules)
        {
            var name = Path.GetFileName(module.FileName);
            if (name.StartsWith("libgit2-", StringComparison.Ordinal) || name.StartsWith("git2-", StringComparison.Ordinal))
            {
                return module.FileName;
            }
        }

        if (!string.IsNullOrEmpty(configured) && Directory.Exists(configured))
        {
            return Directory.EnumerateFiles(configured).FirstOrDefault(f => Path.GetFileName(f).Contains("git2", StringComparison.Ordinal));
        }

        return null;
    }
}
