using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Hyperagents.Testing;

/// <summary>The real <c>hyperagents</c> program on a pseudo-terminal (util-linux <c>script</c>, in Debian's essential
/// set): what it reads is what a person types, so Ctrl+C typed here reaches it as the terminal's SIGINT, and its output
/// is what a terminal shows. Waits go by progress (text appearing); their limits only end a hung test.</summary>
/// <remarks>
/// Two traps, both met in CI:
/// <list type="bullet">
/// <item><c>script</c> runs the command through <c>$SHELL -c</c>; a shell that does not exec its last command (dash)
/// dies of the terminal's SIGINT itself and turns the exit code into 130. The command is <c>exec</c>'d under
/// <c>/bin/sh</c>, so the program is the script's own child whatever the shell.</item>
/// <item>A program started with SIGINT ignored keeps ignoring it (a test run launched in the background by a
/// non-interactive shell has it ignored all the way down). <c>env --default-signal=INT</c> resets it, so the test does
/// not depend on how the suite was started.</item>
/// </list>
/// </remarks>
public sealed class PseudoTerminal : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Task _reader;

    private PseudoTerminal(Process process)
    {
        _process = process;
        _reader = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                lock (_output)
                {
                    _output.Append(buffer, 0, read);
                }
            }
        });
    }

    /// <summary>Everything the terminal has shown so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>hyperagents <paramref name="arguments"/></c> (the program built into the test's output) on a
    /// pseudo-terminal.</summary>
    /// <param name="workingDirectory">The program's working directory.</param>
    /// <param name="arguments">Its arguments, as a shell would read them (quote paths with single quotes).</param>
    /// <param name="environment">Variables to set, or to remove when the value is <see langword="null"/>.</param>
    public static PseudoTerminal Start(string workingDirectory, string arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "hyperagents.dll");
        var start = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var a in new[] { "-q", "-f", "-e", "-c", $"exec env --default-signal=INT dotnet '{dll}' {arguments}", "/dev/null" })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["SHELL"] = "/bin/sh";
        start.Environment["TERM"] = "xterm";
        start.Environment.Remove("OPENAI_API_KEY");
        start.Environment.Remove("ANTHROPIC_API_KEY");
        start.Environment.Remove("HYPERAGENTS_ARCHIVE");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return new PseudoTerminal(Process.Start(start)!);
    }

    /// <summary>Types <paramref name="text"/> (<c>"\u0003"</c> is Ctrl+C).</summary>
    public async Task TypeAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Waits until <paramref name="text"/> has appeared <paramref name="count"/> times.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="limit"/> (default 5 minutes), or the program
    /// ended first; the message holds the output.</exception>
    public Task WaitForAsync(string text, int count = 1, TimeSpan? limit = null) =>
        WaitUntilAsync(seen => Regex.Matches(seen, Regex.Escape(text)).Count >= count, $"'{text}' never appeared {count} time(s)", limit);

    /// <summary>Waits until <paramref name="condition"/> holds for the output so far.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="limit"/> (default 5 minutes), or the program
    /// ended first; the message starts with <paramref name="what"/> and holds the output.</exception>
    public async Task WaitUntilAsync(Func<string, bool> condition, string what, TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (condition(Output))
            {
                return;
            }

            if (_process.HasExited)
            {
                await _reader.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
                if (condition(Output))
                {
                    return;
                }

                throw new TimeoutException($"{what}; the program ended (exit {_process.ExitCode}): {Output}");
            }

            if (clock.Elapsed > (limit ?? TimeSpan.FromMinutes(5)))
            {
                throw new TimeoutException($"{what} within {clock.Elapsed.TotalSeconds:0} s: {Output}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the program to end and returns its exit code and everything it showed.</summary>
    /// <exception cref="TimeoutException">It did not end within <paramref name="limit"/> (default 5 minutes); it is
    /// killed, and the message holds the output.</exception>
    public async Task<(int Exit, string Output)> WaitForExitAsync(TimeSpan? limit = null)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(limit ?? TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException("the program did not end: " + Output);
        }

        await _reader.WaitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        return (_process.ExitCode, Output);
    }

    /// <summary>Kills the program if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }
}
