namespace Hyperagents.Cli.Repl;

/// <summary>The real terminal for the <see cref="LineEditor"/>.</summary>
internal sealed class ConsoleKeyTerminal : IKeyTerminal
{
    /// <inheritdoc/>
    public int Width
    {
        get
        {
            try
            {
                return Console.WindowWidth;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    /// <inheritdoc/>
    public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);

    /// <inheritdoc/>
    public void Write(string text)
    {
        Console.Out.Write(text);
        Console.Out.Flush();
    }

    /// <summary>Runs <paramref name="read"/> with Ctrl+C delivered as a key (the editor drops the line) rather than as
    /// the signal that cancels a running submission.</summary>
    public static T WithCtrlCAsKey<T>(Func<T> read)
    {
        Console.TreatControlCAsInput = true;
        try
        {
            return read();
        }
        finally
        {
            Console.TreatControlCAsInput = false;
        }
    }
}
