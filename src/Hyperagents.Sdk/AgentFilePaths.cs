using System.Globalization;
using System.Text;

namespace Hyperagents;

/// <summary>The one rule for the path of a hyperagent file, applied alike by the meta agent's workspace, the compiler
/// (also when it reads an agent folder from disk) and the archive. It is a strict <b>ASCII allow-list</b>: a path is
/// accepted only when every supported git and file system takes it as written and no build or tool acts on it when
/// a variant is checked out.</summary>
/// <remarks>
/// <para>A path is accepted when all of these hold (<see cref="Allowed"/> says it in one sentence):</para>
/// <list type="bullet">
/// <item>it is relative, with <c>/</c> between names: at most <see cref="MaxDepth"/> names and <see cref="MaxLength"/>
/// characters in all;</item>
/// <item>each name is 1 to <see cref="MaxSegmentLength"/> characters of the ASCII letters, digits, <c>_</c>, <c>-</c>
/// and <c>.</c>, starts with a letter, digit or <c>_</c> and does not end with <c>.</c> (so no white space, no
/// <c>~</c> short names, no control, invisible, bidirectional or look-alike characters, no <c>\</c> or <c>:</c>);</item>
/// <item>the file name ends in one of <see cref="Extensions"/>;</item>
/// <item>no name is a Windows device name (<c>CON</c>, <c>PRN</c>, <c>AUX</c>, <c>NUL</c>, <c>COM0</c>-<c>COM9</c>,
/// <c>LPT0</c>-<c>LPT9</c>, with any extension) or a build output folder (<c>bin</c>, <c>obj</c>);</item>
/// <item>no name is protected (<see cref="ProtectedProblem"/>), in any folder;</item>
/// <item>in a set of paths, no two names differ only in case and no path is both a file and a folder
/// (<see cref="SetProblem"/>).</item>
/// </list>
/// <para>Protected names are matched after folding: case, fullwidth and mathematical letter forms, common Cyrillic and
/// Greek look-alikes, invisible and combining characters, look-alike slashes, NTFS stream suffixes, trailing dots and
/// spaces, and 8.3 short forms (<c>GIT~1</c>). Such a path is refused by the allow-list anyway; folding only makes the
/// workspace record the attempt as a reach for a protected name.</para>
/// </remarks>
public static class AgentFilePaths
{
    /// <summary>The top-level folder of every variant reserved for the archive (provenance, transcript, manifest).</summary>
    public const string Reserved = ".hyperagent";

    /// <summary>The longest accepted path, in characters (well below Windows' 260, leaving room for the folder a
    /// variant is checked out to).</summary>
    public const int MaxLength = 160;

    /// <summary>The longest accepted file or folder name, in characters.</summary>
    public const int MaxSegmentLength = 64;

    /// <summary>The most names in a path (folders plus the file).</summary>
    public const int MaxDepth = 8;

    /// <summary>The file kinds a hyperagent may hold, by extension (compared ignoring case): C# code and plain text or
    /// data (prompts, notes, tables). No kind a build, a package manager or an editor executes.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".cs", ".md", ".txt", ".json", ".jsonl", ".csv", ".tsv", ".prompt"];

    /// <summary>What a path must look like, in one sentence (every refusal ends with it).</summary>
    public static string Allowed { get; } =
        $"a path is relative, such as 'task/Solver.cs', with '/' between at most {MaxDepth} names and at most {MaxLength} characters; "
        + $"each name has 1 to {MaxSegmentLength} of the ASCII letters, digits, '_', '-' and '.', starts with a letter, digit or '_' and does not end with '.'; "
        + $"the file name ends in {string.Join(", ", Extensions)}";

    private static readonly string[] ProtectedNames =
    [
        // What the host owns: evaluators, data, budgets, policy, the sandbox (threat rows I1, I8).
        "eval", "evals", "evaluator", "evaluators", "domains", "data", "policy", "sandbox", "budget", "budgets",
        // Files a build, a package manager, an IDE or a CI runner reads and acts on when a variant is checked out.
        "global.json", "nuget.config", "launchsettings.json", "dotnet-tools.json", "runtimeconfig.template.json",
        "package.json", "omnisharp.json", "cmakelists.txt", "makefile",
    ];

    private static readonly string[] ProtectedPrefixes =
    [
        ".git", Reserved, "directory.build.", "directory.packages.", "directory.solution.", "budget.",
    ];

    private static readonly string[] ProtectedSuffixes =
    [
        ".csproj", ".vbproj", ".fsproj", ".proj", ".props", ".targets", ".sln", ".slnx", ".slnf", ".user", ".rsp",
        ".runtimeconfig.json", ".deps.json", ".editorconfig", ".globalconfig", ".config",
    ];

    /// <summary>Why <paramref name="path"/> cannot name a hyperagent file, or <see langword="null"/> when it can.</summary>
    /// <param name="path">The candidate path.</param>
    /// <returns>A reason in lower case that names the rule and says what is allowed, without the path itself.</returns>
    public static string? Problem(string? path) => ProtectedProblem(path) ?? ShapeProblem(path);

    /// <summary>Why <paramref name="path"/> reaches a protected name, or <see langword="null"/>: a name the host owns
    /// (<c>eval</c>, <c>evals</c>, <c>evaluator(s)</c>, <c>domains</c>, <c>data</c>, <c>policy</c>, <c>sandbox</c>,
    /// <c>budget(s)</c>, <c>budget.*</c>), version control (<c>.git*</c>), the archive's <c>.hyperagent</c>, or build and
    /// tool configuration (<c>Directory.Build.*</c>, <c>Directory.Packages.*</c>, <c>Directory.Solution.*</c>,
    /// <c>*.csproj</c>, <c>*.props</c>, <c>*.targets</c>, <c>*.sln</c>, <c>*.config</c>, <c>*.editorconfig</c>,
    /// <c>*.globalconfig</c>, <c>global.json</c>, <c>launchSettings.json</c>, <c>package.json</c>, ...), in any folder,
    /// after folding case, look-alikes and invisible characters.</summary>
    /// <param name="path">The candidate path.</param>
    /// <returns>A reason naming the protected name, or <see langword="null"/>.</returns>
    public static string? ProtectedProblem(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        foreach (var segment in Fold(path).Split('/'))
        {
            if (ProtectedMatch(segment) is { } name)
            {
                return $"'{name}' is a protected name: evaluators, data, budgets, policy, version control, the archive's '{Reserved}/' and build or tool "
                    + "configuration are outside a hyperagent, in every folder (names are compared ignoring case, look-alike and invisible characters)";
            }
        }

        return null;
    }

    /// <summary>Why a set of paths cannot be the files of one hyperagent, or <see langword="null"/>: two paths differ only in
    /// case (one file on Windows and macOS), or a path is both a file and the folder of another.</summary>
    /// <param name="paths">Paths that each pass <see cref="Problem"/>.</param>
    /// <returns>A reason that names both paths, or <see langword="null"/>.</returns>
    public static string? SetProblem(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var folders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            if (files.TryGetValue(path, out var other) && other != path)
            {
                return $"'{Escape(other)}' and '{Escape(path)}' differ only in case, which Windows and macOS cannot hold apart; rename one";
            }

            files[path] = path;
            for (var i = path.IndexOf('/', StringComparison.Ordinal); i > 0; i = path.IndexOf('/', i + 1))
            {
                var folder = path[..i];
                if (folders.TryGetValue(folder, out var spelled) && spelled != folder)
                {
                    return $"the folders '{Escape(spelled)}' and '{Escape(folder)}' differ only in case, which Windows and macOS cannot hold apart; rename one";
                }

                folders[folder] = folder;
            }
        }

        foreach (var path in files.Keys)
        {
            if (folders.TryGetValue(path, out var folder))
            {
                var inside = files.Keys.First(p => p.StartsWith(folder + "/", StringComparison.OrdinalIgnoreCase));
                return $"'{Escape(path)}' is both a file and the folder of '{Escape(inside)}'; rename one";
            }
        }

        return null;
    }

    /// <summary>Folder names that reading an agent folder from disk skips at any depth (<c>.git</c>, <c>bin</c>,
    /// <c>obj</c>, any case): version control and build output, never part of a hyperagent.</summary>
    /// <param name="segment">One name of a path.</param>
    public static bool IsSkippedFolder(string segment) =>
        segment.Equals(".git", StringComparison.OrdinalIgnoreCase)
        || segment.Equals("bin", StringComparison.OrdinalIgnoreCase)
        || segment.Equals("obj", StringComparison.OrdinalIgnoreCase);

    /// <summary>Untrusted text (a path, a message naming one) made safe and short for a message: printable ASCII is
    /// kept, every other character is written as <c>\uXXXX</c>, so invisible and look-alike characters show.</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxChars">The cap on the kept text; longer text ends with <c>...</c>.</param>
    public static string Escape(string? text, int maxChars = 200)
    {
        var builder = new StringBuilder();
        foreach (var c in text ?? string.Empty)
        {
            if (builder.Length >= maxChars)
            {
                return builder.Append("...").ToString();
            }

            if (c is >= ' ' and <= '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return builder.ToString();
    }

    private static string? ShapeProblem(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return $"the path is empty; {Allowed}";
        }

        if (path.Length > MaxLength)
        {
            return $"the path is {path.Length} characters long; {Allowed}";
        }

        var segments = path.Split('/');
        if (segments.Length > MaxDepth)
        {
            return $"the path has {segments.Length} names; {Allowed}";
        }

        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                return $"the path has an empty name (a leading, trailing or doubled '/'); {Allowed}";
            }

            if (segment is "." or "..")
            {
                return $"'.' and '..' could leave the agent folder; {Allowed}";
            }

            if (segment.Length > MaxSegmentLength)
            {
                return $"a name is {segment.Length} characters long; {Allowed}";
            }

            foreach (var c in segment)
            {
                if (!IsNameChar(c))
                {
                    var shown = c is > ' ' and <= '~' ? $"'{c}'" : $"U+{(int)c:X4}";
                    return $"the character {shown} is not allowed; {Allowed}";
                }
            }

            if (segment[0] is '.' or '-')
            {
                return $"a name may not start with '{segment[0]}'; {Allowed}";
            }

            if (segment[^1] == '.')
            {
                return $"a name may not end with '.'; {Allowed}";
            }

            var stem = segment.Split('.')[0];
            if (IsDeviceName(stem))
            {
                return $"'{stem}' is a reserved device name on Windows, with any extension; {Allowed}";
            }

            if (IsSkippedFolder(segment))
            {
                return $"'{segment}' folders are build output, which a hyperagent may not hold; {Allowed}";
            }
        }

        var file = segments[^1];
        if (!Extensions.Any(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase) && file.Length > e.Length))
        {
            return $"'{file}' is not a file kind a hyperagent may hold; {Allowed}";
        }

        return null;
    }

    private static bool IsNameChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.';

    /// <summary>Whether <paramref name="stem"/> (a file name up to its first dot) is a device name Windows reserves in
    /// every folder: <c>con</c>, <c>prn</c>, <c>aux</c>, <c>nul</c>, <c>com0</c>-<c>com9</c>, <c>lpt0</c>-<c>lpt9</c>, any
    /// case. Also the rule for run names.</summary>
    /// <param name="stem">The name up to its first dot.</param>
    public static bool IsDeviceName(string stem) =>
        stem.ToUpperInvariant() is "CON" or "PRN" or "AUX" or "NUL"
        || (stem.Length == 4 && (stem.StartsWith("COM", StringComparison.OrdinalIgnoreCase) || stem.StartsWith("LPT", StringComparison.OrdinalIgnoreCase)) && char.IsAsciiDigit(stem[3]));

    /// <summary>The protected name or pattern a folded name matches, or <see langword="null"/>.</summary>
    private static string? ProtectedMatch(string name)
    {
        if (name.Length == 0)
        {
            return null;
        }

        foreach (var n in ProtectedNames)
        {
            if (name.Equals(n, StringComparison.OrdinalIgnoreCase))
            {
                return n;
            }
        }

        foreach (var prefix in ProtectedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return prefix + "*";
            }
        }

        foreach (var suffix in ProtectedSuffixes)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return "*" + suffix;
            }
        }

        // An 8.3 short name (GIT~1, EVALUA~1, DIRECT~1.PRO) whose base starts a protected name.
        var tilde = name.IndexOf('~', StringComparison.Ordinal);
        if (tilde is > 0 and <= 6 && tilde + 1 < name.Length && char.IsAsciiDigit(name[tilde + 1]))
        {
            var shortBase = name[..tilde].Replace(".", string.Empty, StringComparison.Ordinal);
            foreach (var full in ProtectedNames.Concat(ProtectedPrefixes).Concat(ProtectedSuffixes))
            {
                var squeezed = full.Replace(".", string.Empty, StringComparison.Ordinal);
                if (shortBase.Length > 0 && squeezed.StartsWith(shortBase, StringComparison.OrdinalIgnoreCase))
                {
                    return $"{full} (as the short name {name})";
                }
            }
        }

        return null;
    }

    /// <summary>The path as file systems and people may read it: look-alike slashes become <c>/</c>, invisible and
    /// combining characters vanish, compatibility and look-alike letters become ASCII, case is upper-cased, and each
    /// name loses an NTFS stream suffix and trailing dots and spaces (Windows drops them).</summary>
    private static string Fold(string path)
    {
        var builder = new StringBuilder(path.Length);
        for (var i = 0; i < path.Length; i++)
        {
            int code;
            if (char.IsHighSurrogate(path[i]) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
            {
                code = char.ConvertToUtf32(path[i], path[i + 1]);
                i++;
            }
            else
            {
                code = char.IsSurrogate(path[i]) ? 0xFFFD : path[i];
            }

            if (FoldCode(code) is { } folded)
            {
                builder.Append(char.ToUpperInvariant(folded));
            }
        }

        var segments = builder.ToString().Split('/');
        for (var s = 0; s < segments.Length; s++)
        {
            var segment = segments[s];
            var colon = segment.IndexOf(':', StringComparison.Ordinal);
            segments[s] = (colon >= 0 ? segment[..colon] : segment).Trim(' ').TrimEnd('.', ' ');
        }

        return string.Join('/', segments);
    }

    /// <summary>One code point folded to the ASCII character it stands for, itself, or <see langword="null"/> when it is
    /// invisible.</summary>
    private static char? FoldCode(int c)
    {
        if (c is '\\' or 0x2215 or 0x2044 or 0x29F8 or 0x2571 or 0x27CB or 0x2216 or 0x29F5 or 0x29F9 or 0x2572 or 0x27CD
            or 0xFF0F or 0xFF3C or 0xFE68 or 0x30CE or 0x3033 or 0x2F03 or 0x4E3F or 0x1735)
        {
            return '/';
        }

        if (c is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800 or 0xFFFD)
        {
            return null;
        }

        if (c < 0x10000)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (category is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Control)
            {
                return null;
            }

            if (category == UnicodeCategory.SpaceSeparator)
            {
                return ' ';
            }
        }
        else if (c is >= 0xE0000 and <= 0xE0FFF or >= 0x1D173 and <= 0x1D17A)
        {
            return null;
        }

        return c switch
        {
            >= 0xFF01 and <= 0xFF5E => (char)(c - 0xFEE0),
            >= 0x1D400 and <= 0x1D6A3 => MathLetter((c - 0x1D400) % 52),
            >= 0x1D7CE and <= 0x1D7FF => (char)('0' + ((c - 0x1D7CE) % 10)),
            >= 0x24B6 and <= 0x24CF => (char)('A' + (c - 0x24B6)),
            >= 0x24D0 and <= 0x24E9 => (char)('a' + (c - 0x24D0)),
            >= 0x249C and <= 0x24B5 => (char)('a' + (c - 0x249C)),
            >= 0x1F130 and <= 0x1F149 => (char)('A' + (c - 0x1F130)),
            >= 0x1F150 and <= 0x1F169 => (char)('A' + (c - 0x1F150)),
            >= 0x1F170 and <= 0x1F189 => (char)('A' + (c - 0x1F170)),
            >= 0x2080 and <= 0x2089 => (char)('0' + (c - 0x2080)),
            0x2070 => '0',
            0x00B9 => '1',
            0x00B2 => '2',
            0x00B3 => '3',
            >= 0x2074 and <= 0x2079 => (char)('0' + (c - 0x2070)),
            0x2024 or 0xFE52 or 0x3002 or 0xFF61 => '.',
            0xFE63 or 0x2010 or 0x2011 or 0x2012 or 0x2013 or 0x2212 => '-',
            0x0131 or 0x0456 or 0x0399 or 0x0406 or 0x03B9 => 'i',
            0x017F or 0x0455 or 0x0405 => 's',
            0x212A or 0x039A or 0x041A or 0x03BA => 'k',
            0x212B => 'a',
            0x0430 or 0x0410 or 0x0391 or 0x03B1 => 'a',
            0x0435 or 0x0415 or 0x0395 or 0x03B5 => 'e',
            0x043E or 0x041E or 0x039F or 0x03BF => 'o',
            0x0440 or 0x0420 or 0x03A1 or 0x03C1 => 'p',
            0x0441 or 0x0421 or 0x03F2 or 0x03F9 => 'c',
            0x0445 or 0x0425 or 0x03A7 or 0x03C7 => 'x',
            0x0443 or 0x0423 or 0x03A5 or 0x03C5 => 'y',
            0x0458 or 0x0408 => 'j',
            0x0501 => 'd',
            0x0261 => 'g',
            0x0392 or 0x0412 or 0x03B2 => 'b',
            0x0397 or 0x041D => 'h',
            0x039C or 0x041C => 'm',
            0x039D => 'n',
            0x03BD or 0x0475 => 'v',
            0x03A4 or 0x0422 or 0x03C4 => 't',
            0x0396 => 'z',
            0x04CF or 0x01C0 or 0x0196 => 'l',
            < 0x10000 => (char)c,
            _ => '\uFFFD',
        };
    }

    private static char MathLetter(int index) => index < 26 ? (char)('A' + index) : (char)('a' + index - 26);
}
