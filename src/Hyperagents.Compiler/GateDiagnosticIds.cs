namespace Hyperagents.Compiler;

/// <summary>The ids of diagnostics the compile pipeline adds to Roslyn's, one per rule family.</summary>
public static class GateDiagnosticIds
{
    /// <summary>A type or member the policy does not allow, found in source.</summary>
    public const string DisallowedApi = "HA0001";

    /// <summary>An attribute that changes how the runtime treats the assembly (IgnoresAccessChecksTo, InternalsVisibleTo,
    /// ModuleInitializer, DllImport search paths, runtime marshalling, explicit layout, ...).</summary>
    public const string ForbiddenAttribute = "HA0002";

    /// <summary>Native interop: <c>extern</c>/P/Invoke methods, function pointers.</summary>
    public const string NativeInterop = "HA0003";

    /// <summary>Unverifiable IL: <c>calli</c>, explicit layout, field offsets.</summary>
    public const string UnsafeIl = "HA0004";

    /// <summary>A finalizer (destructor).</summary>
    public const string Finalizer = "HA0005";

    /// <summary>Use of <c>dynamic</c>.</summary>
    public const string Dynamic = "HA0006";

    /// <summary>A script directive (<c>#r</c>, <c>#load</c>) asking for references or files the host does not give.</summary>
    public const string ScriptDirective = "HA0007";

    /// <summary>A type or member the policy does not allow, found in the emitted IL.</summary>
    public const string DisallowedIlReference = "HA0008";

    /// <summary>The task entry point is missing, duplicated or has the wrong signature.</summary>
    public const string SolveTaskEntryPoint = "HA0010";

    /// <summary>The meta entry point is missing, duplicated or has the wrong signature.</summary>
    public const string ModifySelfEntryPoint = "HA0011";

    /// <summary>The source could not be loaded (see the message).</summary>
    public const string SourceProblem = "HA0020";

    /// <summary>A file nests brackets deeper than the compiler accepts (a host stack-exhaustion guard).</summary>
    public const string TooDeeplyNested = "HA0021";

    /// <summary>Compiling needed more memory than the compile worker's limit (or produced an image larger than the
    /// host accepts): source that makes the compiler allocate without bound.</summary>
    public const string CompileMemoryLimit = "HA0103";

    /// <summary>The compiler failed on the agent: it threw, or its worker process ended or broke the protocol
    /// mid-compile. Says nothing certain about the code, so results with it are not cached.</summary>
    public const string CompilerFault = "HA0104";
}
