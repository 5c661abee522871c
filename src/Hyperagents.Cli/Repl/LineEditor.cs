using System.Globalization;
using System.Text;

namespace Hyperagents.Cli.Repl;

/// <summary>The keys and screen a <see cref="LineEditor"/> works on: the console, or a script of keys in tests.</summary>
internal interface IKeyTerminal
{
    /// <summary>The next key, without echoing it.</summary>
    ConsoleKeyInfo ReadKey();

    /// <summary>Writes text (with VT100 cursor controls) to the screen.</summary>
    void Write(string text);

    /// <summary>The screen's width in columns.</summary>
    int Width { get; }
}

/// <summary>How <see cref="LineEditor.ReadLine"/> ended.</summary>
internal enum LineEnd
{
    /// <summary>Enter: the text is a line (a recalled submission may span several).</summary>
    Line,

    /// <summary>Ctrl+C at the prompt: the line is dropped.</summary>
    Interrupted,

    /// <summary>Ctrl+D on an empty line.</summary>
    EndOfInput,
}

/// <summary>One line the editor returned.</summary>
internal readonly record struct EditedLine(LineEnd End, string Text);

/// <summary>The REPL's line editing when standard input and output are a terminal: Left/Right/Home/End (and Ctrl+B,
/// Ctrl+F, Ctrl+A, Ctrl+E), Backspace/Delete, Ctrl+U/Ctrl+K, Up/Down (Ctrl+P/Ctrl+N) through the earlier submissions
/// (a multi-line one comes back whole, its lines under <c>*</c> prompts). Keys typed or pasted ahead are read in
/// turn, so a pasted block splits at its line ends as typed text would.</summary>
internal sealed class LineEditor
{
    private const string Continuation = "* ";
    private readonly IKeyTerminal _terminal;
    private readonly List<string> _history;
    private readonly StringBuilder _text = new();
    private int _cursor;
    private int _cursorRow;

    public LineEditor(IKeyTerminal terminal, IEnumerable<string> history)
    {
        _terminal = terminal;
        _history = [.. history];
    }

    /// <summary>The submissions Up recalls, oldest first.</summary>
    public IReadOnlyList<string> History => _history;

    /// <summary>Adds a submission to the recall list (not twice in a row).</summary>
    public void Add(string submission)
    {
        if (submission.Length > 0 && (_history.Count == 0 || _history[^1] != submission))
        {
            _history.Add(submission);
        }
    }

    /// <summary>Shows <paramref name="prompt"/> and edits one line until Enter, Ctrl+C or Ctrl+D.</summary>
    public EditedLine ReadLine(string prompt)
    {
        _text.Clear();
        _cursor = 0;
        _cursorRow = 0;
        var recalled = _history.Count;
        var draft = string.Empty;
        _terminal.Write(prompt);
        while (true)
        {
            var key = _terminal.ReadKey();
            var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
            var pressed = key.Key;
            if (key.KeyChar is >= '\u0001' and <= '\u001a' and not '\t' and not '\n' and not '\r' and not '\b')
            {
                // A control character however the console named its key: Ctrl+A is 1, ... Ctrl+Z is 26.
                control = true;
                pressed = ConsoleKey.A + (key.KeyChar - 1);
            }

            switch (pressed)
            {
                case ConsoleKey.Enter:
                    return new EditedLine(LineEnd.Line, Finish(prompt, "\r\n"));
                case ConsoleKey.C when control:
                    Finish(prompt, "^C\r\n");
                    return new EditedLine(LineEnd.Interrupted, string.Empty);
                case ConsoleKey.D when control:
                    if (_text.Length == 0)
                    {
                        _terminal.Write("\r\n");
                        return new EditedLine(LineEnd.EndOfInput, string.Empty);
                    }

                    Delete(_cursor, Next(_cursor) - _cursor, prompt);
                    continue;
                case ConsoleKey.LeftArrow:
                case ConsoleKey.B when control:
                    Move(Previous(_cursor), prompt);
                    continue;
                case ConsoleKey.RightArrow:
                case ConsoleKey.F when control:
                    Move(Next(_cursor), prompt);
                    continue;
                case ConsoleKey.Home:
                case ConsoleKey.A when control:
                    Move(StartOfLine(), prompt);
                    continue;
                case ConsoleKey.End:
                case ConsoleKey.E when control:
                    Move(EndOfLine(), prompt);
                    continue;
                case ConsoleKey.Backspace:
                    if (_cursor > 0)
                    {
                        var end = _cursor;
                        _cursor = Previous(_cursor);
                        Delete(_cursor, end - _cursor, prompt);
                    }

                    continue;
                case ConsoleKey.Delete:
                    Delete(_cursor, Next(_cursor) - _cursor, prompt);
                    continue;
                case ConsoleKey.U when control:
                    var start = StartOfLine();
                    var removed = _cursor - start;
                    _cursor = start;
                    Delete(start, removed, prompt);
                    continue;
                case ConsoleKey.K when control:
                    Delete(_cursor, EndOfLine() - _cursor, prompt);
                    continue;
                case ConsoleKey.UpArrow:
                case ConsoleKey.P when control:
                case ConsoleKey.DownArrow:
                case ConsoleKey.N when control:
                    var up = pressed is ConsoleKey.UpArrow or ConsoleKey.P;
                    var next = up ? recalled - 1 : recalled + 1;
                    if (next < 0 || next > _history.Count)
                    {
                        continue;
                    }

                    if (recalled == _history.Count)
                    {
                        draft = _text.ToString();
                    }

                    recalled = next;
                    _text.Clear().Append(recalled == _history.Count ? draft : _history[recalled]);
                    _cursor = _text.Length;
                    Render(prompt);
                    continue;
                case ConsoleKey.Tab:
                    Insert("    ", prompt);
                    continue;
            }

            if (key.KeyChar is '\r' or '\n')
            {
                return new EditedLine(LineEnd.Line, Finish(prompt, "\r\n"));
            }

            if (char.IsHighSurrogate(key.KeyChar))
            {
                // The console gives a character outside the basic plane as two keys; it is drawn (and edited) as one.
                var low = _terminal.ReadKey().KeyChar;
                if (char.IsLowSurrogate(low))
                {
                    Insert(string.Concat(key.KeyChar, low), prompt);
                }
            }
            else if (!char.IsControl(key.KeyChar) && key.KeyChar != '\0' && !char.IsLowSurrogate(key.KeyChar))
            {
                Insert(key.KeyChar.ToString(), prompt);
            }
        }
    }

    /// <summary>Leaves the edit area: the cursor after the text, then <paramref name="ending"/>.</summary>
    private string Finish(string prompt, string ending)
    {
        if (_cursor != _text.Length)
        {
            _cursor = _text.Length;
            Render(prompt);
        }

        _terminal.Write(ending);
        return _text.ToString();
    }

    /// <summary>The position one character before <paramref name="at"/>, a surrogate pair being one character.</summary>
    private int Previous(int at) =>
        at >= 2 && char.IsLowSurrogate(_text[at - 1]) && char.IsHighSurrogate(_text[at - 2]) ? at - 2 : Math.Max(at - 1, 0);

    /// <summary>The position one character after <paramref name="at"/>, a surrogate pair being one character.</summary>
    private int Next(int at) =>
        at + 1 < _text.Length && char.IsHighSurrogate(_text[at]) && char.IsLowSurrogate(_text[at + 1]) ? at + 2 : Math.Min(at + 1, _text.Length);

    private int StartOfLine()
    {
        var i = _cursor;
        while (i > 0 && _text[i - 1] != '\n')
        {
            i--;
        }

        return i;
    }

    private int EndOfLine()
    {
        var i = _cursor;
        while (i < _text.Length && _text[i] != '\n')
        {
            i++;
        }

        return i;
    }

    private void Insert(string s, string prompt)
    {
        var atEnd = _cursor == _text.Length;
        var before = Columns(prompt) + Columns(_text.ToString());
        _text.Insert(_cursor, s);
        _cursor += s.Length;
        var after = before + Columns(s);
        if (atEnd && !Contains('\n') && after % Width() != 0 && before / Width() == after / Width())
        {
            // Typing at the end of a line that does not wrap: the screen only needs the new characters.
            _terminal.Write(s);
            return;
        }

        Render(prompt);
    }

    private void Delete(int at, int count, string prompt)
    {
        count = Math.Min(count, _text.Length - at);
        if (count <= 0)
        {
            return;
        }

        _text.Remove(at, count);
        Render(prompt);
    }

    private void Move(int to, string prompt)
    {
        to = Math.Clamp(to, 0, _text.Length);
        if (to != _cursor)
        {
            _cursor = to;
            Render(prompt);
        }
    }

    private bool Contains(char c)
    {
        for (var i = 0; i < _text.Length; i++)
        {
            if (_text[i] == c)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The columns <paramref name="text"/> takes on a terminal: 2 for East Asian wide characters and characters
    /// outside the basic plane (emoji), 0 for combining marks and format characters, else 1.</summary>
    internal static int Columns(string text)
    {
        var columns = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                columns += 2;
                i++;
                continue;
            }

            columns += char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format ? 0
                : c is (>= '\u1100' and <= '\u115f') or (>= '\u2e80' and <= '\u303e') or (>= '\u3041' and <= '\ua4cf') or (>= '\uac00' and <= '\ud7a3')
                    or (>= '\uf900' and <= '\ufaff') or (>= '\ufe30' and <= '\ufe4f') or (>= '\uff00' and <= '\uff60') or (>= '\uffe0' and <= '\uffe6') ? 2
                : 1;
        }

        return columns;
    }

    private int Width() => _terminal.Width is > 1 and var w ? w : 80;

    /// <summary>Draws the prompt and the text again from the edit area's first row and puts the cursor where it is in
    /// the text. A row filled to the last column is wrapped on purpose, so the cursor's row is always known.</summary>
    private void Render(string prompt)
    {
        var width = Width();
        var screen = new StringBuilder();
        if (_cursorRow > 0)
        {
            screen.Append("\e[").Append(_cursorRow.ToString(CultureInfo.InvariantCulture)).Append('A');
        }

        screen.Append("\r\e[J");
        var lines = _text.ToString().Split('\n');
        int row = 0, position = 0, cursorRow = 0, cursorColumn = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var head = i == 0 ? prompt : Continuation;
            if (i > 0)
            {
                screen.Append("\r\n");
            }

            screen.Append(head).Append(lines[i]);
            var length = Columns(head) + Columns(lines[i]);
            if (length % width == 0 && length > 0)
            {
                screen.Append(" \r");
            }

            if (_cursor >= position && _cursor <= position + lines[i].Length)
            {
                var column = Columns(head) + Columns(lines[i][..(_cursor - position)]);
                cursorRow = row + column / width;
                cursorColumn = column % width;
            }

            row += length / width + 1;
            position += lines[i].Length + 1;
        }

        var endRow = row - 1;
        if (endRow > cursorRow)
        {
            screen.Append("\e[").Append((endRow - cursorRow).ToString(CultureInfo.InvariantCulture)).Append('A');
        }

        screen.Append('\r');
        if (cursorColumn > 0)
        {
            screen.Append("\e[").Append(cursorColumn.ToString(CultureInfo.InvariantCulture)).Append('C');
        }

        _cursorRow = cursorRow;
        _terminal.Write(screen.ToString());
    }
}
