using System.Text;
using Hyperagents.Cli.Repl;

namespace Hyperagents.Cli.Tests;

/// <summary>The REPL's line editor as a unit: a sequence of keys in, the line it returns and the history it recalls out;
/// and the history file kept per folder.</summary>
public sealed class ReplLineEditorTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly ConsoleKeyInfo Left = Key(ConsoleKey.LeftArrow);
    private static readonly ConsoleKeyInfo Right = Key(ConsoleKey.RightArrow);
    private static readonly ConsoleKeyInfo Up = Key(ConsoleKey.UpArrow);
    private static readonly ConsoleKeyInfo Down = Key(ConsoleKey.DownArrow);
    private static readonly ConsoleKeyInfo Home = Key(ConsoleKey.Home);
    private static readonly ConsoleKeyInfo End = Key(ConsoleKey.End);
    private static readonly ConsoleKeyInfo Backspace = new('\u007f', ConsoleKey.Backspace, false, false, false);
    private static readonly ConsoleKeyInfo Delete = Key(ConsoleKey.Delete);
    private static readonly ConsoleKeyInfo Enter = new('\r', ConsoleKey.Enter, false, false, false);

    [Fact]
    public void Left_right_home_end_backspace_and_delete_edit_anywhere_in_the_line()
    {
        var editor = Editor([], Typed("var k = 41;"), Left, Backspace, Typed("3"), Home, Delete, Delete, Delete, Typed("int"), End, Typed(" // x"), Right, Enter);

        Assert.Equal(new EditedLine(LineEnd.Line, "int k = 43; // x"), editor.ReadLine("> "));
    }

    [Fact]
    public void A_character_outside_the_basic_plane_moves_and_deletes_as_one()
    {
        // "😀" is a surrogate pair: Left, Backspace and Delete never leave half of one in the line.
        var editor = Editor([], Typed("a😀b😀"), Left, Left, Backspace, Delete, Enter, Typed("😀x"), Backspace, Backspace, Enter);

        Assert.Equal("a😀", editor.ReadLine("> ").Text);
        Assert.Equal(string.Empty, editor.ReadLine("> ").Text);
    }

    [Fact]
    public void Up_and_down_recall_earlier_submissions_and_give_back_the_line_being_typed()
    {
        var editor = Editor(["var k = 41;", "k * 2"], Typed("draft"), Up, Up, Up, Down, Enter, Typed("draft"), Up, Up, Down, Down, Enter, Up, Left, Delete, Typed("3"), Enter);

        Assert.Equal("k * 2", editor.ReadLine("> ").Text);
        Assert.Equal("draft", editor.ReadLine("> ").Text);
        Assert.Equal("k * 3", editor.ReadLine("> ").Text);
        Assert.Equal(["var k = 41;", "k * 2"], editor.History);
    }

    [Fact]
    public void A_multi_line_submission_is_recalled_whole_and_home_and_end_keep_to_its_current_line()
    {
        var editor = Editor(["int Twice(int v)\n{\n    return 2 * v;\n}"], Up, Left, Left, Home, End, Typed(" // end"), Enter);
        Assert.Equal("int Twice(int v)\n{\n    return 2 * v; // end\n}", editor.ReadLine("> ").Text);
    }

    [Fact]
    public void Added_submissions_are_recalled_most_recent_first_and_not_twice_in_a_row()
    {
        var editor = Editor([], Up, Enter, Up, Up, Up, Enter);
        editor.Add("a");
        editor.Add("b");
        editor.Add("b");
        Assert.Equal("b", editor.ReadLine("> ").Text);
        Assert.Equal("a", editor.ReadLine("> ").Text);
        Assert.Equal(["a", "b"], editor.History);
    }

    [Fact]
    public void Ctrl_c_drops_the_line_ctrl_d_ends_input_only_on_an_empty_line_and_ctrl_u_k_a_e_edit()
    {
        var editor = Editor(
            [],
            Typed("while (true) { }"), Control('c'),
            Typed("abc"), Home, Control('d'), Enter,
            Typed("one two"), Left, Left, Left, Control('k'), Control('a'), Control('e'), Typed("!"), Enter,
            Typed("one two"), Left, Left, Left, Control('u'), Enter,
            Control('d'));

        Assert.Equal(new EditedLine(LineEnd.Interrupted, string.Empty), editor.ReadLine("> "));
        Assert.Equal("bc", editor.ReadLine("> ").Text);
        Assert.Equal("one !", editor.ReadLine("> ").Text);
        Assert.Equal("two", editor.ReadLine("> ").Text);
        Assert.Equal(LineEnd.EndOfInput, editor.ReadLine("> ").End);
    }

    [Fact]
    public void A_pasted_block_splits_at_its_line_ends_as_typed_text_would()
    {
        var editor = Editor([], Typed("var a = 1;\nvar b = 2;\r"));
        Assert.Equal("var a = 1;", editor.ReadLine("> ").Text);
        Assert.Equal("var b = 2;", editor.ReadLine("> ").Text);
    }

    [Fact]
    public void The_screen_shows_the_prompt_and_the_edited_text_with_the_cursor_where_the_text_has_it()
    {
        var screen = new StringBuilder();
        var editor = new LineEditor(new ScriptedTerminal(Flatten([Typed("ab"), Left, Typed("X"), Enter]), screen, 80), []);
        Assert.Equal("aXb", editor.ReadLine("> ").Text);

        // Typing at the end echoes only the characters; an edit inside redraws the line and puts the cursor back.
        Assert.Equal("> ab" + "\r\e[J> ab\r\e[3C" + "\r\e[J> aXb\r\e[4C" + "\r\e[J> aXb\r\e[5C" + "\r\n", screen.ToString());
    }

    [Fact]
    public void A_line_longer_than_the_screen_is_redrawn_from_its_first_row()
    {
        var screen = new StringBuilder();
        var editor = new LineEditor(new ScriptedTerminal(Flatten([Typed("0123456789"), Home, Enter]), screen, 8), []);
        Assert.Equal("0123456789", editor.ReadLine("> ").Text);

        // "> 012345" fills the 8 columns and is wrapped on purpose, so "6789" is typed on the second row; Home goes up a
        // row to redraw and back up to column 2; Enter redraws with the cursor at the end (second row, column 4).
        Assert.Equal(
            "> 01234" + "\r\e[J> 012345 \r\r" + "6789" + "\e[1A\r\e[J> 0123456789\e[1A\r\e[2C" + "\r\e[J> 0123456789\r\e[4C" + "\r\n",
            screen.ToString());
    }

    [Fact]
    public void Wide_characters_take_two_columns_and_combining_marks_none_so_the_cursor_lands_where_they_end()
    {
        Assert.Equal(9, LineEditor.Columns("ab中文😀e\u0301"));
        var screen = new StringBuilder();
        var editor = new LineEditor(new ScriptedTerminal(Flatten([Typed("中文x"), Left, Enter]), screen, 80), []);
        Assert.Equal("中文x", editor.ReadLine("> ").Text);

        // Left puts the cursor after the two wide characters: column 2 + 4.
        Assert.Contains("\r\e[J> 中文x\r\e[6C", screen.ToString());
    }

    [Fact]
    public void History_is_kept_per_folder_and_read_back_as_whole_submissions()
    {
        var a = Path.Combine(_dir.Path, "a.csx");
        ReplHistory.Append(a, "var k = 41;");
        ReplHistory.Append(a, "int Twice(int v)\n{\n    return 2 * v;\n}");
        ReplHistory.Append(a, "k * 2");

        Assert.Equal(["var k = 41;", "int Twice(int v)\n{\n    return 2 * v;\n}", "k * 2"], ReplHistory.Load(a));
        Assert.Equal(["k * 2"], ReplHistory.Load(a, 1));
        Assert.Empty(ReplHistory.Load(Path.Combine(_dir.Path, "none.csx")));
        Assert.NotEqual(ReplHistory.PathFor("folder:/x/a"), ReplHistory.PathFor("folder:/x/b"));
        Assert.Equal(ReplHistory.PathFor("folder:/x/a"), ReplHistory.PathFor("folder:/x/a"));
    }

    private static ConsoleKeyInfo Key(ConsoleKey key) => new('\0', key, false, false, false);

    private static ConsoleKeyInfo Control(char letter) => new((char)(letter - 'a' + 1), ConsoleKey.A + (letter - 'a'), false, false, true);

    private static ConsoleKeyInfo[] Typed(string text) =>
        [.. text.Select(c => c switch
        {
            '\n' or '\r' => new ConsoleKeyInfo(c, ConsoleKey.Enter, false, false, false),
            _ => new ConsoleKeyInfo(c, char.IsAsciiLetter(c) ? ConsoleKey.A + (char.ToUpperInvariant(c) - 'A') : 0, char.IsAsciiLetterUpper(c), false, false),
        })];

    private static LineEditor Editor(IEnumerable<string> history, params object[] keys) =>
        new(new ScriptedTerminal(Flatten(keys), new StringBuilder(), 80), history);

    private static Queue<ConsoleKeyInfo> Flatten(IEnumerable<object> keys) =>
        new(keys.SelectMany(k => k is ConsoleKeyInfo[] many ? many : [(ConsoleKeyInfo)k]));

    private sealed class ScriptedTerminal(Queue<ConsoleKeyInfo> keys, StringBuilder screen, int width) : IKeyTerminal
    {
        public int Width => width;

        public ConsoleKeyInfo ReadKey() => keys.Count > 0 ? keys.Dequeue() : throw new InvalidOperationException("the editor read past the scripted keys");

        public void Write(string text) => screen.Append(text);
    }
}
