using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Net100 = Basic.Reference.Assemblies.Net100;

namespace Hyperagents.Compiler;

/// <summary>The fixed reference set agent code compiles against: reference assemblies of .NET 10 plus
/// <c>Hyperagents.Sdk</c>. Nothing an agent writes can change it.</summary>
/// <remarks>
/// Some assemblies are referenced only so that forbidden APIs bind and the capability gate can name them (for example
/// <c>System.Diagnostics.Process</c>); the policy denies every type in them. <c>Microsoft.CSharp</c> is never
/// referenced, so <c>dynamic</c> cannot bind.
/// </remarks>
public static class AgentReferences
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyBcl = new(CreateBcl);
    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyAll = new(Create);

    /// <summary>Every reference, the SDK last.</summary>
    public static ImmutableArray<MetadataReference> All => LazyAll.Value;

    /// <summary>The path of the SDK assembly agents compile against (next to the compiler assembly).</summary>
    public static string SdkPath => typeof(TaskContext).Assembly.Location;

    /// <summary>The .NET reference assemblies of the set, without the SDK (evaluators compile against these plus the
    /// evaluator API).</summary>
    internal static ImmutableArray<MetadataReference> Bcl => LazyBcl.Value;

    private static ImmutableArray<MetadataReference> CreateBcl() =>
        [
            Net100.References.SystemRuntime,
            Net100.References.SystemCollections,
            Net100.References.SystemCollectionsConcurrent,
            Net100.References.SystemCollectionsImmutable,
            Net100.References.SystemLinq,
            Net100.References.SystemRuntimeNumerics,
            Net100.References.SystemTextRegularExpressions,
            Net100.References.SystemTextJson,
            Net100.References.SystemMemory,
            Net100.References.SystemConsole,
            Net100.References.SystemThreading,
            Net100.References.SystemObjectModel,
            // Referenced so that forbidden APIs bind and are rejected by name; the policy denies them all.
            Net100.References.SystemLinqQueryable,
            Net100.References.SystemLinqExpressions,
            Net100.References.SystemDiagnosticsProcess,
            Net100.References.SystemComponentModelPrimitives,
            Net100.References.SystemComponentModel,
            Net100.References.SystemComponentModelTypeConverter,
            Net100.References.SystemRuntimeSerializationPrimitives,
            Net100.References.SystemRuntimeSerializationXml,
            Net100.References.SystemRuntimeSerializationFormatters,
            Net100.References.SystemXmlReaderWriter,
            Net100.References.SystemXmlXmlSerializer,
            Net100.References.SystemDiagnosticsStackTrace,
            Net100.References.SystemNetHttp,
            Net100.References.SystemNetSockets,
            Net100.References.SystemNetPrimitives,
            Net100.References.SystemReflectionEmit,
            Net100.References.SystemReflectionEmitILGeneration,
            Net100.References.SystemReflectionEmitLightweight,
            Net100.References.SystemRuntimeInteropServices,
            Net100.References.SystemRuntimeLoader,
            Net100.References.SystemThreadingThread,
            Net100.References.SystemThreadingThreadPool,
            Net100.References.SystemThreadingTasksParallel,
        ];

    private static ImmutableArray<MetadataReference> Create()
    {
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        builder.AddRange(Bcl);
        var sdk = SdkPath;
        if (string.IsNullOrEmpty(sdk) || !File.Exists(sdk))
        {
            throw new InvalidOperationException($"Hyperagents.Sdk.dll was not found next to the compiler ('{sdk}'). Reinstall the tool; the SDK must ship with it.");
        }

        builder.Add(MetadataReference.CreateFromFile(sdk));
        return builder.ToImmutable();
    }
}
