using System.Collections.Concurrent;
using System.Diagnostics;

namespace Hyperagents.Archive;

/// <summary>
/// The run's writer lock: one writer at a time across threads (a semaphore per run folder) and processes (an OS lock on
/// <c>hyperagents/write.lock</c>, released by the kernel when its holder dies, so it can never go stale).
/// </summary>
internal static class RunLock
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Local = new(StringComparer.Ordinal);

    public static IDisposable Acquire(string lockPath, TimeSpan timeout)
    {
        var local = Local.GetOrAdd(Path.GetFullPath(lockPath), _ => new SemaphoreSlim(1, 1));
        if (!local.Wait(timeout))
        {
            throw new ArchiveException($"Timed out after {timeout.TotalSeconds:0} s waiting for another writer of this run in this process.");
        }

        var clock = Stopwatch.StartNew();
        var delay = 1;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive flock on Unix and a share-mode lock on Windows.
                var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                return new Held(stream, local);
            }
            catch (IOException) when (clock.Elapsed < timeout)
            {
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 20);
            }
            catch (IOException e)
            {
                local.Release();
                throw new ArchiveException($"Timed out after {timeout.TotalSeconds:0} s waiting for another process writing to this run ('{lockPath}').", e);
            }
            catch
            {
                local.Release();
                throw;
            }
        }
    }

    private sealed class Held(FileStream stream, SemaphoreSlim local) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                stream.Dispose();
                local.Release();
            }
        }
    }
}
