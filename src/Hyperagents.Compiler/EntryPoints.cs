using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Hyperagents.Compiler;

/// <summary>One entry point found in the emitted image.</summary>
/// <param name="TypeName">The declaring type's full name (nested types joined with <c>+</c>).</param>
/// <param name="MethodName">The method name.</param>
/// <param name="Signature">The C# signature, e.g. <c>public static Task&lt;string&gt; SolveTask(TaskContext)</c>.</param>
public sealed record EntryPoint(string TypeName, string MethodName, string Signature)
{
    /// <inheritdoc/>
    public override string ToString() => $"{TypeName}: {Signature}";
}

/// <summary>Both entry points of a hyperagent.</summary>
/// <param name="SolveTask">The task entry point.</param>
/// <param name="ModifySelf">The meta entry point.</param>
public sealed record AgentEntryPoints(EntryPoint SolveTask, EntryPoint ModifySelf);

/// <summary>Finds and validates the entry points from metadata alone (System.Reflection.Metadata); agent code is never
/// loaded or run.</summary>
internal static class EntryPointReader
{
    internal const string SolveTaskSignature = "public static Task<string> SolveTask(TaskContext)";
    internal const string ModifySelfSignature = "public static Task ModifySelf(MetaContext)";

    private sealed record Spec(string Name, string Id, string Expected, string Return, string Parameter);

    private static readonly Spec SolveTask = new("SolveTask", DiagnosticIds.SolveTaskEntryPoint, SolveTaskSignature,
        "[System.Runtime]System.Threading.Tasks.Task`1<string>", "[Hyperagents.Sdk]Hyperagents.TaskContext");

    private static readonly Spec ModifySelf = new("ModifySelf", DiagnosticIds.ModifySelfEntryPoint, ModifySelfSignature,
        "[System.Runtime]System.Threading.Tasks.Task", "[Hyperagents.Sdk]Hyperagents.MetaContext");

    public static AgentEntryPoints? Read(byte[] image, DiagnosticCollector sink, Func<string, string, (string File, int Line)> locate)
    {
        using var pe = new PEReader(ImmutableArray.Create(image));
        var md = pe.GetMetadataReader();
        var solve = Find(md, SolveTask, sink, locate);
        var modify = Find(md, ModifySelf, sink, locate);
        return solve is not null && modify is not null ? new AgentEntryPoints(solve, modify) : null;
    }

    private static EntryPoint? Find(MetadataReader md, Spec spec, DiagnosticCollector sink, Func<string, string, (string File, int Line)> locate)
    {
        var valid = new List<EntryPoint>();
        var problems = new List<(string Type, string Problem)>();
        var provider = new NameProvider();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            var typeName = IlScanner.TypeDefName(md, typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (md.GetString(method.Name) != spec.Name)
                {
                    continue;
                }

                var signature = method.DecodeSignature(provider, null);
                var issues = new List<string>();
                if (!IsExported(md, typeHandle))
                {
                    issues.Add($"its class '{typeName}' is not public");
                }

                if ((method.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public)
                {
                    issues.Add("it is not public");
                }

                if ((method.Attributes & MethodAttributes.Static) == 0)
                {
                    issues.Add("it is not static");
                }

                if (signature.GenericParameterCount != 0)
                {
                    issues.Add("it is generic");
                }

                if (signature.ReturnType != spec.Return)
                {
                    issues.Add($"it returns {Pretty(signature.ReturnType)}");
                }

                if (signature.ParameterTypes.Length != 1 || signature.ParameterTypes[0] != spec.Parameter)
                {
                    issues.Add($"its parameters are ({string.Join(", ", signature.ParameterTypes.Select(Pretty))})");
                }

                if (issues.Count == 0)
                {
                    valid.Add(new EntryPoint(typeName, spec.Name, spec.Expected));
                }
                else
                {
                    problems.Add((typeName, string.Join(", ", issues)));
                }
            }
        }

        if (valid.Count == 1)
        {
            return valid[0];
        }

        if (valid.Count > 1)
        {
            var (file, line) = locate(valid[1].TypeName, spec.Name);
            sink.Add(spec.Id, file, line, 1, spec.Name + "/dup",
                $"'{spec.Name}' is declared {valid.Count} times ({string.Join(", ", valid.Select(v => v.TypeName))}); exactly one '{spec.Expected}' in a public class is expected. Remove or rename the others.");
            return null;
        }

        if (problems.Count == 0)
        {
            sink.Add(spec.Id, "", 0, 0, spec.Name + "/missing",
                $"No '{spec.Name}' entry point was found. Declare '{spec.Expected}' in a public class.");
            return null;
        }

        foreach (var (type, problem) in problems)
        {
            var (file, line) = locate(type, spec.Name);
            sink.Add(spec.Id, file, line, 1, spec.Name + "/" + type + "/" + problem,
                $"'{type}.{spec.Name}' is not a valid entry point: {problem}. Expected '{spec.Expected}' in a public class.");
        }

        return null;
    }

    private static bool IsExported(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        return visibility switch
        {
            TypeAttributes.Public => true,
            TypeAttributes.NestedPublic => IsExported(md, type.GetDeclaringType()),
            _ => false,
        };
    }

    private static string Pretty(string type)
    {
        var text = type.Replace("[System.Runtime]", "", StringComparison.Ordinal)
            .Replace("[Hyperagents.Sdk]", "", StringComparison.Ordinal)
            .Replace("`1", "", StringComparison.Ordinal);
        return text.Replace("System.Threading.Tasks.", "", StringComparison.Ordinal).Replace("Hyperagents.", "", StringComparison.Ordinal);
    }

    private sealed class NameProvider : ISignatureTypeProvider<string, object?>
    {
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
        public string GetByReferenceType(string elementType) => "ref " + elementType;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "delegate*";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType + (isRequired ? " modreq(" : " modopt(") + modifier + ")";
        public string GetPinnedType(string elementType) => elementType + " pinned";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
        {
            PrimitiveTypeCode.String => "string",
            PrimitiveTypeCode.Void => "void",
            PrimitiveTypeCode.Object => "object",
            _ => typeCode.ToString(),
        };
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => "[agent]" + IlScanner.TypeDefName(reader, handle);

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var reference = reader.GetTypeReference(handle);
            var ns = reader.GetString(reference.Namespace);
            var name = (ns.Length == 0 ? "" : ns + ".") + reader.GetString(reference.Name);
            return reference.ResolutionScope.Kind == HandleKind.AssemblyReference
                ? "[" + reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name) + "]" + name
                : "[?]" + name;
        }

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}
