using System.Text;
using Hyperagents.Domains;

namespace Hyperagents.Engine;

/// <summary>Generates the task agent that makes a C#-source answer callable by a runner: its <c>SolveTask</c> reads one
/// JSON array of arguments from the task input, converts each to the entry's parameter type, calls the entry and writes
/// the result as JSON. The conversion code is generated per type (no reflection, no serializer: the gate forbids both).</summary>
/// <remarks>Supported types: <c>int</c>, <c>long</c>, <c>double</c>, <c>bool</c>, <c>string</c>, <c>char</c>, and arrays
/// (<c>T[]</c>, jagged <c>T[][]</c>) and <c>List&lt;T&gt;</c> of these, nested to any depth. Everything the harness
/// declares is named with <c>global::</c> and a reserved suffix, so answer declarations cannot capture it.</remarks>
internal static class CodeHarness
{
    /// <summary>The path of the answer inside the one-file-plus-harness agent.</summary>
    public const string AnswerPath = "task/Answer.cs";

    /// <summary>The path of the generated harness.</summary>
    public const string HarnessPath = "task/AnswerHarness.cs";

    private const string ClassName = "HyperagentsAnswerHarness__";

    /// <summary>Generates the harness for an entry.</summary>
    /// <param name="entry">The entry the harness calls.</param>
    /// <param name="batch">Whether one call runs many inputs: the task input is a JSON array of argument arrays and the
    /// answer a JSON array with one <c>{"ok":true,"output":...}</c> or <c>{"ok":false,"error":"..."}</c> per input. Inputs
    /// then share the call's isolate, limits and static state (see <see cref="CodeAnswerRunner.RunBatchAsync"/>).</param>
    /// <exception cref="ArgumentException">A parameter or return type is not supported (a fault of the domain's data, not the answer).</exception>
    public static string Generate(CodeEntry entry, bool batch = false)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckIdentifier(entry.TypeName, "type");
        CheckIdentifier(entry.MethodName, "method");
        var types = entry.ParameterTypes.Select(Parse).ToList();
        var result = Parse(entry.ReturnType);
        var readers = new Dictionary<string, string>(StringComparer.Ordinal);
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        var helpers = new StringBuilder();

        // One input: check the arguments in `args`, convert them, call the entry and write its result to `output`.
        var call = new StringBuilder();
        call.Append("if (args.ValueKind != global::System.Text.Json.JsonValueKind.Array || args.GetArrayLength() != ").Append(types.Count)
            .Append(")\n{\n    throw new global::System.ArgumentException(\"expected a JSON array of ").Append(types.Count).Append(" arguments\");\n}\n\n");
        for (var i = 0; i < types.Count; i++)
        {
            call.Append("var a").Append(i).Append(" = ").Append(Reader(types[i], readers, helpers)).Append("(args[").Append(i).Append("]);\n");
        }

        call.Append(Writer(result, writers, helpers)).Append("(output, global::").Append(entry.TypeName).Append('.').Append(entry.MethodName).Append('(')
            .Append(string.Join(", ", Enumerable.Range(0, types.Count).Select(i => "a" + i))).Append("));\n");

        var text = new StringBuilder();
        text.Append("public static class ").Append(ClassName).Append('\n');
        text.Append("{\n");
        text.Append("    public static global::System.Threading.Tasks.Task<string> SolveTask(global::Hyperagents.TaskContext context)\n");
        text.Append("    {\n");
        text.Append("        using var document = global::System.Text.Json.JsonDocument.Parse(context.Task.Input ?? \"[]\");\n");
        if (batch)
        {
            text.Append("        var all = new global::System.Text.StringBuilder(\"[\");\n");
            text.Append("        foreach (var args in document.RootElement.EnumerateArray())\n        {\n");
            text.Append("            if (all.Length > 1)\n            {\n                all.Append(',');\n            }\n\n");
            text.Append("            try\n            {\n");
            text.Append("                var output = new global::System.Text.StringBuilder();\n");
            text.Append(Indent(call.ToString(), 16));
            text.Append("                all.Append(\"{\\\"ok\\\":true,\\\"output\\\":\").Append(output).Append('}');\n");
            text.Append("            }\n");
            text.Append("            catch (global::System.Exception ex)\n            {\n");
            text.Append("                all.Append(\"{\\\"ok\\\":false,\\\"error\\\":\");\n");
            text.Append("                WriteString__(all, \"guest-exception: \" + ex.Message);\n");
            text.Append("                all.Append('}');\n");
            text.Append("            }\n");
            text.Append("        }\n\n");
            text.Append("        return global::System.Threading.Tasks.Task.FromResult(all.Append(']').ToString());\n");
        }
        else
        {
            text.Append("        var args = document.RootElement;\n");
            text.Append("        var output = new global::System.Text.StringBuilder();\n");
            text.Append(Indent(call.ToString(), 8));
            text.Append("        return global::System.Threading.Tasks.Task.FromResult(output.ToString());\n");
        }

        text.Append("    }\n\n");
        text.Append("    public static global::System.Threading.Tasks.Task ModifySelf(global::Hyperagents.MetaContext context) => global::System.Threading.Tasks.Task.CompletedTask;\n\n");
        text.Append(helpers);
        text.Append(StringWriter);
        text.Append("}\n");
        return text.ToString();
    }

    private static string Indent(string lines, int spaces) =>
        string.Concat(lines.Split('\n').SkipLast(1).Select(line => line.Length == 0 ? "\n" : new string(' ', spaces) + line + "\n"));

    /// <summary>Whether a type name is one the harness converts.</summary>
    public static bool IsSupported(string type)
    {
        try
        {
            Parse(type);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void CheckIdentifier(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || !(char.IsLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"The entry's {what} name '{name}' is not a plain C# identifier.");
        }
    }

    private abstract record Shape(string CSharp);

    private sealed record Scalar(string CSharp) : Shape(CSharp);

    private sealed record Sequence(Shape Element, bool IsList)
        : Shape(IsList ? $"global::System.Collections.Generic.List<{Element.CSharp}>" : Element.CSharp + "[]");

    private static readonly string[] Scalars = ["int", "long", "double", "bool", "string", "char"];

    private static Shape Parse(string type)
    {
        var t = type.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (t.EndsWith("[]", StringComparison.Ordinal))
        {
            return new Sequence(Parse(t[..^2]), IsList: false);
        }

        foreach (var prefix in new[] { "List<", "System.Collections.Generic.List<" })
        {
            if (t.StartsWith(prefix, StringComparison.Ordinal) && t.EndsWith('>'))
            {
                return new Sequence(Parse(t[prefix.Length..^1]), IsList: true);
            }
        }

        return Scalars.Contains(t)
            ? new Scalar(t)
            : throw new ArgumentException($"The C# type '{type}' is not supported by coding answers; use int, long, double, bool, string, char, or arrays or List<T> of these.");
    }

    private static string Reader(Shape shape, Dictionary<string, string> names, StringBuilder helpers)
    {
        if (names.TryGetValue(shape.CSharp, out var name))
        {
            return name;
        }

        name = "Read" + names.Count + "__";
        names[shape.CSharp] = name;
        var body = new StringBuilder();
        body.Append("    private static ").Append(shape.CSharp).Append(' ').Append(name).Append("(global::System.Text.Json.JsonElement e)\n    {\n");
        switch (shape)
        {
            case Scalar { CSharp: "int" }:
                body.Append("        return e.GetInt32();\n");
                break;
            case Scalar { CSharp: "long" }:
                body.Append("        return e.GetInt64();\n");
                break;
            case Scalar { CSharp: "double" }:
                body.Append("        return e.GetDouble();\n");
                break;
            case Scalar { CSharp: "bool" }:
                body.Append("        return e.GetBoolean();\n");
                break;
            case Scalar { CSharp: "string" }:
                body.Append("        return e.GetString() ?? throw new global::System.ArgumentException(\"null string argument\");\n");
                break;
            case Scalar { CSharp: "char" }:
                body.Append("        var s = e.GetString();\n");
                body.Append("        return s is { Length: 1 } ? s[0] : throw new global::System.ArgumentException(\"a char argument must be a one-character string\");\n");
                break;
            case Sequence sequence:
                var element = Reader(sequence.Element, names, helpers);
                if (sequence.IsList)
                {
                    body.Append("        var r = new ").Append(shape.CSharp).Append("(e.GetArrayLength());\n");
                    body.Append("        foreach (var x in e.EnumerateArray())\n        {\n            r.Add(").Append(element).Append("(x));\n        }\n\n");
                }
                else
                {
                    body.Append("        var r = new ").Append(ArrayNew(sequence, "e.GetArrayLength()")).Append(";\n");
                    body.Append("        var i = 0;\n");
                    body.Append("        foreach (var x in e.EnumerateArray())\n        {\n            r[i++] = ").Append(element).Append("(x);\n        }\n\n");
                }

                body.Append("        return r;\n");
                break;
            default:
                throw new ArgumentException($"The C# type '{shape.CSharp}' is not supported by coding answers.");
        }

        helpers.Append(body).Append("    }\n\n");
        return name;
    }

    private static string Writer(Shape shape, Dictionary<string, string> names, StringBuilder helpers)
    {
        if (names.TryGetValue(shape.CSharp, out var name))
        {
            return name;
        }

        name = "Write" + names.Count + "__";
        names[shape.CSharp] = name;
        var body = new StringBuilder();
        body.Append("    private static void ").Append(name).Append("(global::System.Text.StringBuilder o, ").Append(shape.CSharp)
            .Append(shape is Scalar { CSharp: not "string" } ? " v" : "? v").Append(")\n    {\n");
        switch (shape)
        {
            case Scalar { CSharp: "int" or "long" }:
                body.Append("        o.Append(v.ToString(global::System.Globalization.CultureInfo.InvariantCulture));\n");
                break;
            case Scalar { CSharp: "double" }:
                // JSON has no NaN or infinities: they are written as strings, which no expected number equals.
                body.Append("        if (double.IsFinite(v))\n        {\n            o.Append(v.ToString(\"R\", global::System.Globalization.CultureInfo.InvariantCulture));\n        }\n");
                body.Append("        else\n        {\n            WriteString__(o, v.ToString(global::System.Globalization.CultureInfo.InvariantCulture));\n        }\n");
                break;
            case Scalar { CSharp: "bool" }:
                body.Append("        o.Append(v ? \"true\" : \"false\");\n");
                break;
            case Scalar { CSharp: "string" }:
                body.Append("        if (v is null)\n        {\n            o.Append(\"null\");\n            return;\n        }\n\n        WriteString__(o, v);\n");
                break;
            case Scalar { CSharp: "char" }:
                body.Append("        WriteString__(o, v.ToString());\n");
                break;
            case Sequence sequence:
                var element = Writer(sequence.Element, names, helpers);
                body.Append("        if (v is null)\n        {\n            o.Append(\"null\");\n            return;\n        }\n\n");
                body.Append("        o.Append('[');\n        var first = true;\n");
                body.Append("        foreach (var x in v)\n        {\n            if (!first)\n            {\n                o.Append(',');\n            }\n\n            first = false;\n            ")
                    .Append(element).Append("(o, x);\n        }\n\n        o.Append(']');\n");
                break;
            default:
                throw new ArgumentException($"The C# type '{shape.CSharp}' is not supported by coding answers.");
        }

        helpers.Append(body).Append("    }\n\n");
        return name;
    }

    /// <summary><c>new int[n][]</c> for <c>int[][]</c>: the length goes in the first bracket pair.</summary>
    private static string ArrayNew(Sequence array, string length)
    {
        var inner = array.Element;
        var suffix = new StringBuilder();
        while (inner is Sequence { IsList: false } nested)
        {
            suffix.Append("[]");
            inner = nested.Element;
        }

        return $"{inner.CSharp}[{length}]{suffix}";
    }

    private const string StringWriter = """
            private static void WriteString__(global::System.Text.StringBuilder o, string s)
            {
                o.Append('"');
                foreach (var c in s)
                {
                    switch (c)
                    {
                        case '"':
                            o.Append("\\\"");
                            break;
                        case '\\':
                            o.Append("\\\\");
                            break;
                        default:
                            if (c < ' ' || char.IsSurrogate(c))
                            {
                                o.Append("\\u").Append(((int)c).ToString("x4", global::System.Globalization.CultureInfo.InvariantCulture));
                            }
                            else
                            {
                                o.Append(c);
                            }

                            break;
                    }
                }

                o.Append('"');
            }

        """;
}
