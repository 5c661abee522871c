using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Hyperagents.Compiler;

/// <summary>The emitted-image half of the capability gate: every type and member reference in the metadata tables and
/// in every method body, checked against the same policy (lowering rules count as allow here), plus native interop,
/// <c>calli</c>, explicit layout, finalizers and forbidden attributes. Reads metadata only; never loads the image.</summary>
internal static class IlScanner
{
    private const string Where = "(emitted IL)";
    private static readonly Dictionary<short, OperandType> Operands = BuildOperandTable();

    public static void Scan(byte[] image, GatePolicy policy, DiagnosticCollector sink, Func<string, string, (string File, int Line)>? locate = null, IReadOnlySet<string>? own = null)
    {
        using var pe = new PEReader(ImmutableArray.Create(image));
        var md = pe.GetMetadataReader();
        locate ??= (_, _) => (Where, 0);
        var reported = new HashSet<EntityHandle>();

        // Method bodies first, so that a finding names the method that uses it.
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            var typeName = TypeDefName(md, typeHandle);
            // Explicit layout only matters with fields to overlap; Roslyn's own array-initialiser blobs have none.
            if ((type.Attributes & TypeAttributes.LayoutMask) == TypeAttributes.ExplicitLayout && HasInstanceFields(md, type))
            {
                var (file, line) = locate(typeName, "");
                sink.Add(DiagnosticIds.UnsafeIl, file, line, 1, typeName, $"'{typeName}' is not allowed: explicit layout can overlap references and values.");
            }

            foreach (var fieldHandle in type.GetFields())
            {
                var field = md.GetFieldDefinition(fieldHandle);
                if (field.GetOffset() != -1)
                {
                    var name = typeName + "." + md.GetString(field.Name);
                    var (file, line) = locate(typeName, "");
                    sink.Add(DiagnosticIds.UnsafeIl, file, line, 1, name, $"'{name}' is not allowed: explicit field offsets can overlap references and values.");
                }
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                var methodName = md.GetString(method.Name);
                var display = typeName + "." + methodName;
                var (file, line) = locate(typeName, methodName);
                var codeType = method.ImplAttributes & MethodImplAttributes.CodeTypeMask;
                var runtimeDelegate = codeType == MethodImplAttributes.Runtime && IsDelegate(md, type);
                if ((method.Attributes & MethodAttributes.PinvokeImpl) != 0 || (method.ImplAttributes & MethodImplAttributes.InternalCall) != 0
                    || (codeType != MethodImplAttributes.IL && !runtimeDelegate) || (method.ImplAttributes & MethodImplAttributes.Unmanaged) != 0)
                {
                    sink.Add(DiagnosticIds.NativeInterop, file, line, 1, display, $"'{display}' is not allowed: extern and P/Invoke methods call native code.");
                }

                if (methodName == "Finalize" && (method.Attributes & MethodAttributes.Virtual) != 0 && method.GetParameters().Count == 0
                    && method.DecodeSignature(new NullProvider(), null).ParameterTypes.Length == 0)
                {
                    sink.Add(DiagnosticIds.Finalizer, file, line, 1, display, $"'{display}' is not allowed: finalizers run outside any limit (threat R4).");
                }

                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                ScanBody(md, body.GetILReader(), policy, sink, display, file, line, reported, own);
            }
        }

        foreach (var handle in md.TypeReferences)
        {
            if (!reported.Contains(handle))
            {
                CheckTypeRef(md, handle, policy, sink, "", Where, 0, reported, own);
            }
        }

        foreach (var handle in md.MemberReferences)
        {
            if (!reported.Contains(handle))
            {
                CheckMemberRef(md, handle, policy, sink, "", Where, 0, reported, own);
            }
        }

        foreach (var handle in md.CustomAttributes)
        {
            var attribute = md.GetCustomAttribute(handle);
            var name = AttributeTypeName(md, attribute.Constructor);
            if (name is null)
            {
                continue;
            }

            var simple = name[(name.LastIndexOf('.') + 1)..];
            var compilerEmitted = attribute.Parent.Kind == HandleKind.AssemblyDefinition
                                  && simple is "RuntimeCompatibilityAttribute" or "CompilationRelaxationsAttribute";
            if (!compilerEmitted && ForbiddenAttributes.IsForbidden(simple))
            {
                sink.Add(DiagnosticIds.ForbiddenAttribute, Where, 0, 0, name, $"'{name}' is not allowed: {ForbiddenAttributes.Reason(simple)}.");
            }
        }

        for (var row = 1; row <= md.GetTableRowCount(TableIndex.ModuleRef); row++)
        {
            var name = md.GetString(md.GetModuleReference(MetadataTokens.ModuleReferenceHandle(row)).Name);
            sink.Add(DiagnosticIds.NativeInterop, Where, 0, 0, "module " + name, $"A reference to the native module '{name}' is not allowed: P/Invoke calls native code.");
        }
    }

    private static void ScanBody(MetadataReader md, BlobReader il, GatePolicy policy, DiagnosticCollector sink, string method, string file, int line, HashSet<EntityHandle> reported, IReadOnlySet<string>? own)
    {
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = unchecked((short)(0xFE00 | il.ReadByte()));
            }

            if (code == OpCodes.Calli.Value)
            {
                sink.Add(DiagnosticIds.UnsafeIl, file, line, 1, method + "/calli", $"'calli' in '{method}' is not allowed: indirect calls through function pointers are native interop.");
            }

            if (!Operands.TryGetValue(code, out var operand))
            {
                // Unknown opcode: the image is not what Roslyn emits; refuse rather than mis-parse.
                sink.Add(DiagnosticIds.UnsafeIl, file, line, 1, method + "/opcode", $"'{method}' holds an unknown IL opcode 0x{code:X4}.");
                return;
            }

            switch (operand)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineSwitch:
                    var count = il.ReadInt32();
                    il.Offset += 4 * count;
                    break;
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok or OperandType.InlineType or OperandType.InlineSig:
                    var token = il.ReadInt32();
                    var handle = MetadataTokens.EntityHandle(token);
                    CheckHandle(md, handle, policy, sink, method, file, line, reported, own);
                    break;
                default:
                    il.Offset += 4;
                    break;
            }
        }
    }

    private static void CheckHandle(MetadataReader md, EntityHandle handle, GatePolicy policy, DiagnosticCollector sink, string method, string file, int line, HashSet<EntityHandle> reported, IReadOnlySet<string>? own)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeReference:
                CheckTypeRef(md, (TypeReferenceHandle)handle, policy, sink, method, file, line, reported, own);
                break;
            case HandleKind.MemberReference:
                CheckMemberRef(md, (MemberReferenceHandle)handle, policy, sink, method, file, line, reported, own);
                break;
            case HandleKind.MethodSpecification:
                var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                CheckHandle(md, spec.Method, policy, sink, method, file, line, reported, own);
                break;
            case HandleKind.TypeSpecification:
                if (GenericDefinition(md, (TypeSpecificationHandle)handle) is { Kind: HandleKind.TypeReference } definition)
                {
                    CheckTypeRef(md, (TypeReferenceHandle)definition, policy, sink, method, file, line, reported, own);
                }

                break;
        }
    }

    private static void CheckTypeRef(MetadataReader md, TypeReferenceHandle handle, GatePolicy policy, DiagnosticCollector sink, string method, string file, int line, HashSet<EntityHandle> reported, IReadOnlySet<string>? own)
    {
        if (TypeRefName(md, handle, own) is not { } name)
        {
            return;
        }

        var decision = policy.CheckType(name, inIl: true);
        if (!decision.Allowed)
        {
            reported.Add(handle);
            var where = method.Length == 0 ? "" : $" (used in '{method}')";
            sink.Add(DiagnosticIds.DisallowedIlReference, file, line, line == 0 ? 0 : 1, name.FullName, $"'{name.FullName}' is not allowed{where}: {decision.Reason}.");
        }
    }

    private static void CheckMemberRef(MetadataReader md, MemberReferenceHandle handle, GatePolicy policy, DiagnosticCollector sink, string method, string file, int line, HashSet<EntityHandle> reported, IReadOnlySet<string>? own)
    {
        var member = md.GetMemberReference(handle);
        var parent = member.Parent;
        if (parent.Kind == HandleKind.TypeSpecification)
        {
            parent = GenericDefinition(md, (TypeSpecificationHandle)parent) ?? default;
        }

        if (parent.IsNil)
        {
            return;
        }

        if (parent.Kind == HandleKind.ModuleReference)
        {
            return;
        }

        if (parent.Kind != HandleKind.TypeReference || TypeRefName(md, (TypeReferenceHandle)parent, own) is not { } type)
        {
            return;
        }

        var name = md.GetString(member.Name);
        var generic = member.GetKind() == MemberReferenceKind.Method && md.GetBlobReader(member.Signature).ReadSignatureHeader().IsGeneric;
        var decision = policy.CheckMember(type, name, inIl: true, genericMethod: generic);
        if (!decision.Allowed)
        {
            reported.Add(handle);
            var display = type.FullName + "." + name;
            var where = method.Length == 0 ? "" : $" (used in '{method}')";
            sink.Add(DiagnosticIds.DisallowedIlReference, file, line, line == 0 ? 0 : 1, display, $"'{display}' is not allowed{where}: {decision.Reason}.");
        }
    }

    /// <summary>The policy name of a type reference rooted in another assembly; <see langword="null"/> for own types.</summary>
    /// <remarks>A reference into one of <paramref name="own"/> (gated agent code: a script chain's earlier submissions,
    /// the agent it runs next to) is an own type too.</remarks>
    internal static PolicyTypeName? TypeRefName(MetadataReader md, TypeReferenceHandle handle, IReadOnlySet<string>? own = null)
    {
        var names = new List<string>();
        var current = md.GetTypeReference(handle);
        while (true)
        {
            names.Add(PolicyTypeName.StripArity(md.GetString(current.Name)));
            var scope = current.ResolutionScope;
            if (scope.Kind == HandleKind.TypeReference)
            {
                current = md.GetTypeReference((TypeReferenceHandle)scope);
                continue;
            }

            if (scope.Kind != HandleKind.AssemblyReference
                || (own is not null && own.Contains(md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name))))
            {
                return null;
            }

            names.Reverse();
            return new PolicyTypeName(md.GetString(current.Namespace), names);
        }
    }

    internal static string TypeDefName(MetadataReader md, TypeDefinitionHandle handle)
    {
        var type = md.GetTypeDefinition(handle);
        var name = md.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return TypeDefName(md, declaring) + "+" + name;
        }

        var ns = md.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private static bool IsDelegate(MetadataReader md, TypeDefinition type)
    {
        var baseType = type.BaseType;
        if (baseType.Kind != HandleKind.TypeReference)
        {
            return false;
        }

        var reference = md.GetTypeReference((TypeReferenceHandle)baseType);
        return md.GetString(reference.Namespace) == "System" && md.GetString(reference.Name) == "MulticastDelegate";
    }

    private static bool HasInstanceFields(MetadataReader md, TypeDefinition type) =>
        type.GetFields().Any(f => (md.GetFieldDefinition(f).Attributes & FieldAttributes.Static) == 0);

    private static EntityHandle? GenericDefinition(MetadataReader md, TypeSpecificationHandle handle)
    {
        var blob = md.GetBlobReader(md.GetTypeSpecification(handle).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return null;
        }

        blob.ReadSignatureTypeCode();
        return blob.ReadTypeHandle();
    }

    private static string? AttributeTypeName(MetadataReader md, EntityHandle constructor)
    {
        switch (constructor.Kind)
        {
            case HandleKind.MemberReference:
                var parent = md.GetMemberReference((MemberReferenceHandle)constructor).Parent;
                if (parent.Kind == HandleKind.TypeReference)
                {
                    var reference = md.GetTypeReference((TypeReferenceHandle)parent);
                    var ns = md.GetString(reference.Namespace);
                    return (ns.Length == 0 ? "" : ns + ".") + md.GetString(reference.Name);
                }

                return null;
            case HandleKind.MethodDefinition:
                var declaring = md.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType();
                return TypeDefName(md, declaring);
            default:
                return null;
        }
    }

    private static Dictionary<short, OperandType> BuildOperandTable()
    {
        var table = new Dictionary<short, OperandType>();
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetValue(null) is OpCode code)
            {
                table[code.Value] = code.OperandType;
            }
        }

        return table;
    }

    private sealed class NullProvider : ISignatureTypeProvider<int, object?>
    {
        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;
        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;
        public int GetGenericMethodParameter(object? genericContext, int index) => 0;
        public int GetGenericTypeParameter(object? genericContext, int index) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
        public int GetPinnedType(int elementType) => 0;
        public int GetPointerType(int elementType) => 0;
        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetSZArrayType(int elementType) => 0;
        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => 0;
        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => 0;
        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => 0;
    }
}
