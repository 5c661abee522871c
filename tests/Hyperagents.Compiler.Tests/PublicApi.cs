using System.Reflection;
using System.Text;

namespace Hyperagents.Compiler.Tests;

/// <summary>
/// Renders the public API of an assembly as text, one line per type and per member, in a stable order: what code
/// compiled against it can see (public and protected members, signatures with nullability, constant values and
/// default arguments). A change to any of it changes the text.
/// </summary>
internal static class PublicApi
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static string Render(Assembly assembly)
    {
        var text = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            text.Append(TypeHeader(type)).Append('\n');
            foreach (var line in Members(type).Order(StringComparer.Ordinal))
            {
                text.Append("    ").Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string TypeHeader(Type type)
    {
        var kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct"
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate" : "class";
        if (type.GetMethod("<Clone>$") is not null || (type.IsValueType && type.GetMethod("PrintMembers", Declared) is not null))
        {
            kind = "record " + kind;
        }

        var modifiers = kind.EndsWith("class", StringComparison.Ordinal) && !kind.StartsWith("delegate", StringComparison.Ordinal)
            ? type.IsAbstract && type.IsSealed ? "static " : type.IsAbstract ? "abstract " : type.IsSealed ? "sealed " : ""
            : "";
        var bases = new List<string>();
        if (type.IsEnum)
        {
            bases.Add(Name(Enum.GetUnderlyingType(type)));
        }
        else if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(MulticastDelegate))
        {
            bases.Add(Name(b));
        }

        var inherited = type.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Where(i => !inherited.Contains(i)).Select(Name).Order(StringComparer.Ordinal));
        return $"public {modifiers}{kind} {Name(type)}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}";
    }

    private static IEnumerable<string> Members(Type type)
    {
        var nullability = new NullabilityInfoContext();
        if (type.IsEnum)
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                yield return $"{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
            }

            yield break;
        }

        foreach (var member in type.GetMembers(Declared))
        {
            switch (member)
            {
                case ConstructorInfo c when Visible(c) && !c.IsStatic:
                    yield return $"{Access(c)}ctor({Parameters(c, nullability)})";
                    break;
                case MethodInfo m when Visible(m) && (!m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal)) && !m.Name.Contains('<', StringComparison.Ordinal):
                    var generic = m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";
                    yield return $"{Access(m)}{Modifiers(m, type)}{Name(m.ReturnType, nullability.Create(m.ReturnParameter))} {m.Name}{generic}({Parameters(m, nullability)})";
                    break;
                case PropertyInfo p when p.GetMethod is { } get && Visible(get) || p.SetMethod is { } set && Visible(set):
                    var accessor = (p.GetMethod ?? p.SetMethod)!;
                    var setter = p.SetMethod is { } s && Visible(s)
                        ? s.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? " init;" : " set;"
                        : "";
                    var indexer = p.GetIndexParameters() is { Length: > 0 } index ? "this[" + string.Join(", ", index.Select(i => Parameter(i, nullability))) + "]" : p.Name;
                    yield return $"{Access(accessor)}{Modifiers(accessor, type)}{Name(p.PropertyType, nullability.Create(p))} {indexer} {{{(p.GetMethod is { } g && Visible(g) ? " get;" : "")}{setter} }}";
                    break;
                case FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly:
                    var value = f.IsLiteral ? " = " + Literal(f.GetRawConstantValue()) : "";
                    var kind = f.IsLiteral ? "const " : f.IsStatic ? f.IsInitOnly ? "static readonly " : "static " : f.IsInitOnly ? "readonly " : "";
                    yield return $"{(f.IsPublic ? "public " : "protected ")}{kind}{Name(f.FieldType, nullability.Create(f))} {f.Name}{value}";
                    break;
                case EventInfo e when e.AddMethod is { } add && Visible(add):
                    yield return $"{Access(add)}event {Name(e.EventHandlerType!, nullability.Create(e))} {e.Name}";
                    break;
                case Type nested when nested.IsNestedPublic || nested.IsNestedFamily:
                    break; // rendered on its own
            }
        }
    }

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Access(MethodBase m) => m.IsPublic ? "public " : "protected ";

    private static string Modifiers(MethodInfo m, Type declaring) =>
        m.IsStatic ? "static "
        : declaring.IsInterface ? m.IsAbstract ? "" : "default "
        : m.IsAbstract ? "abstract "
        : m.IsVirtual && !m.IsFinal ? m.GetBaseDefinition() != m ? "override " : "virtual "
        : m.IsVirtual && m.GetBaseDefinition() != m ? "sealed override "
        : "";

    private static string Parameters(MethodBase method, NullabilityInfoContext nullability) =>
        string.Join(", ", method.GetParameters().Select(p => Parameter(p, nullability)));

    private static string Parameter(ParameterInfo p, NullabilityInfoContext nullability)
    {
        var prefix = p.IsOut ? "out " : p.ParameterType.IsByRef ? p.IsIn ? "in " : "ref " : p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : "";
        var type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
        var text = $"{prefix}{Name(type, nullability.Create(p))} {p.Name}";
        return p.HasDefaultValue ? text + " = " + Literal(p.RawDefaultValue) : text;
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Name(Type type) => Name(type, null);

    private static string Name(Type type, NullabilityInfo? info)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying, null) + "?";
        }

        var nullable = info is { ReadState: NullabilityState.Nullable } && !type.IsValueType ? "?" : "";
        if (type.IsArray)
        {
            return Name(type.GetElementType()!, info?.ElementType) + "[" + new string(',', type.GetArrayRank() - 1) + "]" + nullable;
        }

        if (type.IsGenericParameter)
        {
            return type.Name + nullable;
        }

        if (Alias(type) is { } alias)
        {
            return alias + nullable;
        }

        var name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : type.FullName ?? type.Name;
        if (type.IsGenericType)
        {
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            name = tick < 0 ? name : name[..tick];
            var arguments = type.GetGenericArguments();
            name += "<" + string.Join(", ", arguments.Select((a, i) => Name(a, info?.GenericTypeArguments.ElementAtOrDefault(i)))) + ">";
        }

        return name + nullable;
    }

    private static string? Alias(Type type) => type.IsEnum ? null : Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => "bool",
        TypeCode.Byte => "byte",
        TypeCode.SByte => "sbyte",
        TypeCode.Char => "char",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        TypeCode.Int32 => "int",
        TypeCode.UInt32 => "uint",
        TypeCode.Int64 => "long",
        TypeCode.UInt64 => "ulong",
        TypeCode.Single => "float",
        TypeCode.Double => "double",
        TypeCode.Decimal => "decimal",
        TypeCode.String => "string",
        _ when type == typeof(object) => "object",
        _ when type == typeof(void) => "void",
        _ => null,
    };
}
