using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Hyperagents.Compiler;

/// <summary>The source half of the capability gate: every operation of every body and every symbol of every
/// declaration, checked against the policy by symbol identity. It runs after binding on the operations themselves, so
/// no pragma, attribute or config file can silence it.</summary>
internal sealed class SymbolGate
{
    internal static readonly SymbolDisplayFormat Format = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeExplicitInterface,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.ExpandNullable);

    private readonly CSharpCompilation _compilation;
    private readonly GatePolicy _policy;
    private readonly DiagnosticCollector _sink;
    private readonly Dictionary<ISymbol, PolicyDecision> _decisions = new(SymbolEqualityComparer.Default);
    private SemanticModel? _model;
    private ISymbol[]? _handlerMembers;

    private readonly IReadOnlySet<string>? _ownAssemblies;

    /// <param name="compilation">The compilation to check.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="sink">Where violations go.</param>
    /// <param name="ownAssemblies">Referenced assemblies that are agent code gated already (a script chain's earlier
    /// submissions and the agent it runs next to): their symbols are the agent's own, not library API.</param>
    public SymbolGate(CSharpCompilation compilation, GatePolicy policy, DiagnosticCollector sink, IReadOnlySet<string>? ownAssemblies = null)
    {
        _ownAssemblies = ownAssemblies;
        _compilation = compilation;
        _policy = policy;
        _sink = sink;
    }

    public void Run(CancellationToken cancellationToken)
    {
        foreach (var tree in _compilation.SyntaxTrees)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _model = _compilation.GetSemanticModel(tree);
            WalkBodies(tree.GetRoot(cancellationToken));
        }

        _model = null;
        var fallback = _compilation.SyntaxTrees.FirstOrDefault()?.GetRoot(cancellationToken).GetLocation() ?? Location.None;
        foreach (var attribute in _compilation.Assembly.GetAttributes())
        {
            CheckAttribute(attribute, fallback);
        }

        foreach (var attribute in _compilation.SourceModule.GetAttributes())
        {
            CheckAttribute(attribute, fallback);
        }

        var namespaces = new Stack<INamespaceSymbol>();
        namespaces.Push(_compilation.Assembly.GlobalNamespace);
        while (namespaces.Count > 0)
        {
            var ns = namespaces.Pop();
            foreach (var member in ns.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member is INamespaceSymbol child)
                {
                    namespaces.Push(child);
                }
                else if (member is INamedTypeSymbol type)
                {
                    CheckDeclaredType(type);
                }
            }
        }
    }

    private void WalkBodies(SyntaxNode root)
    {
        var seen = new HashSet<IOperation>();
        var pending = new Stack<SyntaxNode>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            var operation = _model!.GetOperation(node);
            if (operation is not null)
            {
                while (operation.Parent is not null)
                {
                    operation = operation.Parent;
                }

                if (seen.Add(operation))
                {
                    WalkOperation(operation);
                }

                // Everything below an operation root belongs to it; attributes and signatures of nested local functions
                // and lambdas are checked through their symbols.
                continue;
            }

            foreach (var child in node.ChildNodes())
            {
                pending.Push(child);
            }
        }
    }

    private void WalkOperation(IOperation root)
    {
        foreach (var op in root.DescendantsAndSelf())
        {
            var node = op.Syntax;
            if (op.Type is { } type)
            {
                CheckType(type, node.GetLocation());
            }

            switch (op)
            {
                case IInvocationOperation invocation:
                    CheckSymbol(invocation.TargetMethod, node);
                    break;
                case IObjectCreationOperation creation:
                    CheckSymbol(creation.Constructor, node);
                    break;
                case IMemberReferenceOperation reference:
                    CheckSymbol(reference.Member, node);
                    break;
                case IUnaryOperation unary:
                    CheckSymbol(unary.OperatorMethod, node);
                    break;
                case IBinaryOperation binary:
                    CheckSymbol(binary.OperatorMethod, node);
                    break;
                case ICompoundAssignmentOperation compound:
                    CheckSymbol(compound.OperatorMethod, node);
                    CheckSymbol(compound.InConversion.MethodSymbol, node);
                    CheckSymbol(compound.OutConversion.MethodSymbol, node);
                    break;
                case IIncrementOrDecrementOperation increment:
                    CheckSymbol(increment.OperatorMethod, node);
                    break;
                case IConversionOperation conversion:
                    CheckSymbol(conversion.OperatorMethod, node);
                    break;
                case ITypeOfOperation typeOf:
                    CheckType(typeOf.TypeOperand, node.GetLocation());
                    break;
                case ISizeOfOperation sizeOf:
                    CheckType(sizeOf.TypeOperand, node.GetLocation());
                    break;
                case IIsTypeOperation isType:
                    CheckType(isType.TypeOperand, node.GetLocation());
                    break;
                case IDeclarationPatternOperation declarationPattern:
                    CheckSymbol(declarationPattern.MatchedType, node);
                    CheckSymbol(declarationPattern.DeclaredSymbol, node);
                    break;
                case ITypePatternOperation typePattern:
                    CheckType(typePattern.MatchedType, node.GetLocation());
                    break;
                case IRecursivePatternOperation recursive:
                    CheckSymbol(recursive.MatchedType, node);
                    CheckSymbol(recursive.DeconstructSymbol, node);
                    CheckSymbol(recursive.DeclaredSymbol, node);
                    break;
                case IVariableDeclaratorOperation declarator:
                    CheckType(declarator.Symbol.Type, node.GetLocation());
                    break;
                case ILocalFunctionOperation localFunction:
                    CheckSignature(localFunction.Symbol, node.GetLocation());
                    break;
                case IAnonymousFunctionOperation lambda:
                    CheckSignature(lambda.Symbol, node.GetLocation());
                    break;
                case ICatchClauseOperation catchClause:
                    CheckType(catchClause.ExceptionType, node.GetLocation());
                    break;
                case IForEachLoopOperation when node is CommonForEachStatementSyntax forEach:
                    var info = _model!.GetForEachStatementInfo(forEach);
                    var at = forEach.Expression;
                    CheckSymbol(info.GetEnumeratorMethod, at);
                    CheckSymbol(info.MoveNextMethod, at);
                    CheckSymbol(info.CurrentProperty, at);
                    CheckSymbol(info.DisposeMethod, at);
                    CheckSymbol(info.ElementType, at);
                    CheckSymbol(info.ElementConversion.MethodSymbol, at);
                    CheckSymbol(info.CurrentConversion.MethodSymbol, at);
                    if (node is ForEachVariableStatementSyntax deconstructing)
                    {
                        CheckDeconstruction(_model.GetDeconstructionInfo(deconstructing), at);
                    }

                    break;
                case IAwaitOperation when node is AwaitExpressionSyntax awaitSyntax:
                    var awaitInfo = _model!.GetAwaitExpressionInfo(awaitSyntax);
                    CheckSymbol(awaitInfo.GetAwaiterMethod, node);
                    CheckSymbol(awaitInfo.IsCompletedProperty, node);
                    CheckSymbol(awaitInfo.GetResultMethod, node);
                    break;
                case IUsingOperation or IUsingDeclarationOperation:
                    var disposable = _compilation.GetSpecialType(SpecialType.System_IDisposable);
                    CheckSymbol(disposable.GetMembers(nameof(IDisposable.Dispose)).FirstOrDefault(), node);
                    break;
                case IDeconstructionAssignmentOperation when node is AssignmentExpressionSyntax assignment:
                    CheckDeconstruction(_model!.GetDeconstructionInfo(assignment), node);
                    break;
                case ICollectionExpressionOperation collection:
                    CheckSymbol(collection.ConstructMethod, node);
                    break;
                case IWithOperation with:
                    CheckSymbol(with.CloneMethod, node);
                    break;
                case IRangeOperation range:
                    CheckSymbol(range.Method, node);
                    break;
                case IInterpolatedStringOperation interpolated when interpolated.Parent is not IInterpolatedStringHandlerCreationOperation:
                    // The handler lowering of $"..." to string is not in the operation tree; check what it will call.
                    CheckInterpolationHandler(node);
                    break;
                case IFunctionPointerInvocationOperation:
                    Report(DiagnosticIds.NativeInterop, node.GetLocation(), "function pointer call", "function pointers are native interop and are never allowed");
                    break;
                case IDynamicInvocationOperation or IDynamicMemberReferenceOperation or IDynamicObjectCreationOperation or IDynamicIndexerAccessOperation:
                    ReportDynamic(node.GetLocation());
                    break;
            }
        }
    }

    private void CheckInterpolationHandler(SyntaxNode node)
    {
        _handlerMembers ??= _compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.DefaultInterpolatedStringHandler") is { } handler
            ? ((string[])[".ctor", "AppendLiteral", "AppendFormatted", "ToStringAndClear"]).Select(n => handler.GetMembers(n).FirstOrDefault()).OfType<ISymbol>().ToArray()
            : [];
        foreach (var member in _handlerMembers)
        {
            CheckSymbol(member, node);
        }
    }

    private void CheckDeconstruction(DeconstructionInfo info, SyntaxNode node)
    {
        CheckSymbol(info.Method, node);
        CheckSymbol(info.Conversion?.MethodSymbol, node);
        foreach (var nested in info.Nested)
        {
            CheckDeconstruction(nested, node);
        }
    }

    private void CheckDeclaredType(INamedTypeSymbol type)
    {
        var location = SourceLocation(type);
        CheckAttributes(type.GetAttributes(), location);
        if (type.BaseType is { } baseType)
        {
            CheckType(baseType, location);
        }

        foreach (var iface in type.Interfaces)
        {
            CheckType(iface, location);
        }

        CheckTypeParameters(type.TypeParameters, location);
        foreach (var member in type.GetMembers())
        {
            if (member is INamedTypeSymbol nested)
            {
                CheckDeclaredType(nested);
                continue;
            }

            if (member.IsImplicitlyDeclared)
            {
                continue;
            }

            var memberLocation = SourceLocation(member, location);
            CheckAttributes(member.GetAttributes(), memberLocation);
            switch (member)
            {
                case IMethodSymbol method:
                    CheckSignature(method, memberLocation);
                    break;
                case IPropertySymbol property:
                    CheckType(property.Type, memberLocation);
                    foreach (var parameter in property.Parameters)
                    {
                        CheckType(parameter.Type, memberLocation);
                        CheckAttributes(parameter.GetAttributes(), memberLocation);
                    }

                    foreach (var implemented in property.ExplicitInterfaceImplementations)
                    {
                        CheckSymbol(implemented, memberLocation);
                    }

                    break;
                case IFieldSymbol field:
                    CheckType(field.Type, memberLocation);
                    break;
                case IEventSymbol @event:
                    CheckType(@event.Type, memberLocation);
                    break;
            }
        }
    }

    private void CheckSignature(IMethodSymbol method, Location location)
    {
        CheckAttributes(method.GetAttributes(), location);
        CheckAttributes(method.GetReturnTypeAttributes(), location);
        CheckType(method.ReturnType, location);
        foreach (var parameter in method.Parameters)
        {
            CheckType(parameter.Type, location);
            CheckAttributes(parameter.GetAttributes(), location);
        }

        CheckTypeParameters(method.TypeParameters, location);
        foreach (var implemented in method.ExplicitInterfaceImplementations)
        {
            CheckSymbol(implemented, location);
        }

        if (method.IsExtern || method.GetDllImportData() is not null)
        {
            Report(DiagnosticIds.NativeInterop, location, Display(method), "extern and P/Invoke methods call native code and are never allowed");
        }

        if (method.MethodKind == MethodKind.Destructor)
        {
            Report(DiagnosticIds.Finalizer, location, Display(method), "finalizers run on the host's finalizer thread outside any limit and are never allowed (threat R4)");
        }
    }

    private void CheckTypeParameters(IEnumerable<ITypeParameterSymbol> parameters, Location location)
    {
        foreach (var parameter in parameters)
        {
            CheckAttributes(parameter.GetAttributes(), location);
            foreach (var constraint in parameter.ConstraintTypes)
            {
                CheckType(constraint, location);
            }
        }
    }

    private void CheckAttributes(IEnumerable<AttributeData> attributes, Location fallback)
    {
        foreach (var attribute in attributes)
        {
            CheckAttribute(attribute, fallback);
        }
    }

    private void CheckAttribute(AttributeData attribute, Location fallback)
    {
        var location = attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? fallback;
        if (attribute.AttributeClass is not { } attributeClass)
        {
            return;
        }

        if (ForbiddenAttributes.IsForbidden(attributeClass.Name))
        {
            // By name, whoever declares it: the runtime honours some of these by name alone.
            Report(DiagnosticIds.ForbiddenAttribute, location, Display(attributeClass), ForbiddenAttributes.Reason(attributeClass.Name));
        }

        CheckType(attributeClass, location);
        CheckSymbol(attribute.AttributeConstructor, location);
        foreach (var argument in attribute.ConstructorArguments)
        {
            CheckConstant(argument, location);
        }

        foreach (var (name, value) in attribute.NamedArguments)
        {
            CheckSymbol(attributeClass.GetMembers(name).FirstOrDefault(), location);
            CheckConstant(value, location);
        }
    }

    private void CheckConstant(TypedConstant constant, Location location)
    {
        if (constant.Kind == TypedConstantKind.Array && !constant.IsNull)
        {
            foreach (var item in constant.Values)
            {
                CheckConstant(item, location);
            }
        }
        else if (constant.Kind == TypedConstantKind.Type && constant.Value is ITypeSymbol type)
        {
            CheckType(type, location);
        }
    }

    private void CheckSymbol(ISymbol? symbol, SyntaxNode node) => CheckSymbol(symbol, node.GetLocation());

    private void CheckSymbol(ISymbol? symbol, Location location)
    {
        switch (symbol)
        {
            case null:
                return;
            case ITypeSymbol type:
                CheckType(type, location);
                return;
            case ILocalSymbol local:
                CheckType(local.Type, location);
                return;
            case IParameterSymbol parameter:
                CheckType(parameter.Type, location);
                return;
            case IMethodSymbol method:
                if (method.MethodKind == MethodKind.FunctionPointerSignature)
                {
                    Report(DiagnosticIds.NativeInterop, location, "function pointer", "function pointers are native interop and are never allowed");
                    return;
                }

                foreach (var argument in method.TypeArguments)
                {
                    CheckType(argument, location);
                }

                CheckMember(method.ReducedFrom ?? method, location);
                return;
            case IPropertySymbol or IFieldSymbol or IEventSymbol:
                CheckMember(symbol, location);
                return;
        }
    }

    private void CheckMember(ISymbol member, Location location)
    {
        if (member.ContainingType is not { } containing)
        {
            return;
        }

        foreach (var argument in containing.TypeArguments)
        {
            CheckType(argument, location);
        }

        var definition = member.OriginalDefinition;
        if (IsOwn(definition))
        {
            return;
        }

        if (!_decisions.TryGetValue(definition, out var decision))
        {
            decision = _policy.CheckMember(NameOf(definition.ContainingType), definition.Name, genericMethod: definition is IMethodSymbol { IsGenericMethod: true });
            _decisions[definition] = decision;
        }

        if (!decision.Allowed)
        {
            Report(DiagnosticIds.DisallowedApi, location, Display(member.OriginalDefinition), decision.Reason);
        }
    }

    private void CheckType(ITypeSymbol? type, Location location)
    {
        switch (type)
        {
            case null or IErrorTypeSymbol or ITypeParameterSymbol:
                return;
            case IArrayTypeSymbol array:
                CheckType(array.ElementType, location);
                return;
            case IPointerTypeSymbol pointer:
                Report(DiagnosticIds.NativeInterop, location, Display(pointer), "pointer types are unsafe code and are never allowed");
                return;
            case IFunctionPointerTypeSymbol functionPointer:
                Report(DiagnosticIds.NativeInterop, location, Display(functionPointer), "function pointers are native interop and are never allowed");
                return;
            case IDynamicTypeSymbol:
                ReportDynamic(location);
                return;
            case INamedTypeSymbol named:
                foreach (var argument in named.TypeArguments)
                {
                    CheckType(argument, location);
                }

                for (var outer = named.ContainingType; outer is not null; outer = outer.ContainingType)
                {
                    foreach (var argument in outer.TypeArguments)
                    {
                        CheckType(argument, location);
                    }
                }

                var definition = named.OriginalDefinition;
                if (IsOwn(definition))
                {
                    return;
                }

                if (!_decisions.TryGetValue(definition, out var decision))
                {
                    decision = _policy.CheckType(NameOf(definition));
                    _decisions[definition] = decision;
                }

                if (!decision.Allowed)
                {
                    Report(DiagnosticIds.DisallowedApi, location, Display(definition), decision.Reason);
                }

                return;
        }
    }

    private bool IsOwn(ISymbol symbol) =>
        SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _compilation.Assembly)
        || (_ownAssemblies is not null && symbol.ContainingAssembly is { } assembly && _ownAssemblies.Contains(assembly.Name));

    private void ReportDynamic(Location location) =>
        Report(DiagnosticIds.Dynamic, location, "dynamic", "dynamic binding runs the C# binder at run time and is never allowed (Microsoft.CSharp is not referenced); use a static type");

    private void Report(string id, Location location, string symbol, string reason) =>
        _sink.Add(id, location, symbol, $"'{symbol}' is not allowed: {reason}.");

    internal static string Display(ISymbol symbol) => symbol.ToDisplayString(Format);

    internal static PolicyTypeName NameOf(INamedTypeSymbol type)
    {
        var names = new List<string>();
        for (var current = type; current is not null; current = current.ContainingType)
        {
            names.Add(current.Name);
        }

        names.Reverse();
        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        return new PolicyTypeName(ns, names);
    }

    private static Location SourceLocation(ISymbol symbol, Location? fallback = null) =>
        symbol.Locations.FirstOrDefault(l => l.IsInSource) ?? fallback ?? Location.None;
}

/// <summary>Attributes that change how the runtime loads, links or lays out code. Refused by name, whoever declares
/// the attribute type.</summary>
internal static class ForbiddenAttributes
{
    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["IgnoresAccessChecksToAttribute"] = "it lets the assembly bypass visibility checks of other assemblies",
        ["InternalsVisibleToAttribute"] = "agents may not open their internals to other assemblies",
        ["DefaultDllImportSearchPathsAttribute"] = "it steers native library loading",
        ["DisableRuntimeMarshallingAttribute"] = "it changes native interop marshalling",
        ["ModuleInitializerAttribute"] = "module initializers run code when the assembly loads, before any entry point",
        ["RuntimeCompatibilityAttribute"] = "it changes exception semantics of the assembly",
        ["CompilationRelaxationsAttribute"] = "it changes runtime guarantees of the assembly",
        ["SkipLocalsInitAttribute"] = "it exposes uninitialised stack memory",
        ["DllImportAttribute"] = "P/Invoke calls native code",
        ["LibraryImportAttribute"] = "P/Invoke calls native code",
        ["UnmanagedCallersOnlyAttribute"] = "it exposes methods to native callers",
        ["SuppressGCTransitionAttribute"] = "it changes native call transitions",
        ["StructLayoutAttribute"] = "explicit layouts can overlap references and values",
        ["FieldOffsetAttribute"] = "explicit field offsets can overlap references and values",
        ["TypeForwardedToAttribute"] = "agents may not forward types",
        ["UnsafeAccessorAttribute"] = "it reaches private members of other assemblies",
    };

    public static bool IsForbidden(string name) => Reasons.ContainsKey(name);

    public static string Reason(string name) => Reasons.TryGetValue(name, out var reason) ? reason : "forbidden attribute";
}
