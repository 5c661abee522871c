using Microsoft.CodeAnalysis;

namespace Hyperagents.Compiler;

/// <summary>Collects diagnostics, deduplicated per id, symbol and line, with relative paths and 1-based positions.</summary>
internal sealed class DiagnosticCollector
{
    private readonly HashSet<(string Id, string Symbol, string File, int Line)> _seen = [];

    public List<CompileDiagnostic> Items { get; } = [];

    public void Add(string id, Location location, string symbol, string message)
    {
        var (file, line, column) = Position(location);
        if (_seen.Add((id, symbol, file, line)))
        {
            Items.Add(new CompileDiagnostic(file, line, column, id, message));
        }
    }

    public void Add(string id, string file, int line, int column, string symbol, string message)
    {
        if (_seen.Add((id, symbol, file, line)))
        {
            Items.Add(new CompileDiagnostic(file, line, column, id, message));
        }
    }

    public void AddRange(DiagnosticCollector other)
    {
        foreach (var item in other.Items)
        {
            Add(item.Id, item.File, item.Line, item.Column, item.Message, item.Message);
        }
    }

    public void Add(Diagnostic diagnostic)
    {
        var (file, line, column) = Position(diagnostic.Location);
        Items.Add(new CompileDiagnostic(file, line, column, diagnostic.Id, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }

    internal static (string File, int Line, int Column) Position(Location location)
    {
        if (!location.IsInSource)
        {
            return ("", 0, 0);
        }

        // GetLineSpan, not GetMappedLineSpan: a #line directive must not let agent code misplace a violation.
        var span = location.GetLineSpan();
        return (span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1);
    }
}
