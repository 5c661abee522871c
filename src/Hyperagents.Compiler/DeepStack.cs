using System.Runtime.ExceptionServices;

namespace Hyperagents.Compiler;

/// <summary>Runs Roslyn over agent-written source on a thread with a large stack, after a cheap nesting check.</summary>
/// <remarks>Parsing, binding and the gate's operation walk recurse with the nesting of the source. Some of Roslyn's
/// recursion is not guarded, and a stack overflow cannot be caught in .NET: it ends the host process. Sources nested
/// deeper than <see cref="MaxNesting"/> brackets are refused before any parse, and everything else runs with a
/// <see cref="StackBytes"/> stack (address space only; pages are committed as used).</remarks>
internal static class DeepStack
{
    /// <summary>The stack of a compiler thread.</summary>
    public const int StackBytes = 256 * 1024 * 1024;

    /// <summary>The deepest bracket nesting (<c>( [ {</c>) accepted in one file.</summary>
    public const int MaxNesting = 256;

    /// <summary>Runs <paramref name="work"/> on a fresh thread with a <see cref="StackBytes"/> stack and waits for it, or
    /// until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <remarks>Roslyn observes cancellation only at certain points, and some sources (overloaded methods taking nested
    /// lambdas) keep it busy for long stretches between them. On cancellation the caller gets its
    /// <see cref="OperationCanceledException"/> at once; the thread, which was given the same token, finishes in the
    /// background when Roslyn next checks it.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public static T Run<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        using var done = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception ex)
            {
                error = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                try
                {
                    done.Set();
                }
                catch (ObjectDisposedException)
                {
                    // The caller stopped waiting (cancelled) and disposed the event.
                }
            }
        }, StackBytes)
        { IsBackground = true, Name = "hyperagents-compiler" };
        thread.Start();
        done.Wait(cancellationToken);
        error?.Throw();
        return result;
    }

    /// <summary>The 1-based line where bracket nesting first exceeds <see cref="MaxNesting"/>, or <see langword="null"/>.</summary>
    /// <param name="text">A source file (strings and comments are counted too: the check is cheap and conservative).</param>
    public static int? TooDeep(string text)
    {
        var depth = 0;
        var line = 1;
        foreach (var c in text)
        {
            switch (c)
            {
                case '(' or '[' or '{':
                    if (++depth > MaxNesting)
                    {
                        return line;
                    }

                    break;
                case ')' or ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
                case '\n':
                    line++;
                    break;
            }
        }

        return null;
    }
}
