namespace Hyperagents.Compiler;

/// <summary>
/// Every <c>HA</c> diagnostic id Hyperagents reports beside Roslyn's <c>CS</c> ones, with its meaning: the one registry
/// (the compile pipeline, the loop and the CLI use these constants; a test keeps id literals out of every other file).
/// HA0001-HA0009 are capability-gate findings, HA001x entry points, HA002x source limits, HA01xx compile limits and
/// failures of the compile itself.
/// </summary>
public static class DiagnosticIds
{
    /// <summary>A problem with the agent as a whole rather than a rule: its files could not be loaded (the message says
    /// why), or a note that more diagnostics were left out.</summary>
    public const string AgentProblem = "HA0000";

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

    /// <summary>A snippet (the meta agent's <c>try</c> code) that is not a usable script: the message says what and where.</summary>
    public const string SnippetProblem = "HA0100";

    /// <summary>Compiling a snippet took longer than the snippet's wall clock.</summary>
    public const string SnippetCompileTimeout = "HA0101";

    /// <summary>Compiling took longer than the run's compile timeout (<c>RunSettings.CompileTimeout</c>); not cached, since
    /// it says nothing certain about the code.</summary>
    public const string CompileTimeout = "HA0102";

    /// <summary>Compiling needed more memory than the compile worker's limit (or produced an image larger than the
    /// host accepts): source that makes the compiler allocate without bound.</summary>
    public const string CompileMemoryLimit = "HA0103";

    /// <summary>The compiler failed on the agent: it threw, or its worker process ended or broke the protocol
    /// mid-compile. Says nothing certain about the code, so results with it are not cached.</summary>
    public const string CompilerFault = "HA0104";

    /// <summary>Every id above with its meaning, in id order.</summary>
    public static IReadOnlyList<(string Id, string Meaning)> All { get; } =
    [
        (AgentProblem, "the agent's files could not be loaded, or more diagnostics were left out"),
        (DisallowedApi, "a type or member the capability policy does not allow, in source"),
        (ForbiddenAttribute, "an attribute that changes how the runtime treats the assembly"),
        (NativeInterop, "native interop: extern, P/Invoke, function pointers, pointer types"),
        (UnsafeIl, "unverifiable IL: calli, explicit layout, field offsets"),
        (Finalizer, "a finalizer"),
        (Dynamic, "use of dynamic"),
        (ScriptDirective, "a script directive (#r, #load)"),
        (DisallowedIlReference, "a type or member the capability policy does not allow, in the emitted IL"),
        (SolveTaskEntryPoint, "the SolveTask entry point is missing, duplicated or has the wrong signature"),
        (ModifySelfEntryPoint, "the ModifySelf entry point is missing, duplicated or has the wrong signature"),
        (SourceProblem, "the source could not be loaded"),
        (TooDeeplyNested, "brackets nested deeper than the compiler accepts"),
        (SnippetProblem, "a snippet that is not a usable script"),
        (SnippetCompileTimeout, "compiling a snippet outlasted its wall clock"),
        (CompileTimeout, "compiling outlasted the run's compile timeout"),
        (CompileMemoryLimit, "compiling needed more memory than the compile worker's limit"),
        (CompilerFault, "the compiler failed on the agent (threw, or its worker died)"),
    ];
}
