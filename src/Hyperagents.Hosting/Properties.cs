using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Hyperagents.Hosting.Tests")]

// The sandbox caps and neutralises output by the same rule as the native runner (OutputText).
[assembly: InternalsVisibleTo("Hyperagents.Sandbox")]

// The compile worker (Hyperagents.Compiler) starts and speaks to its processes with the same launcher and frames.
[assembly: InternalsVisibleTo("Hyperagents.Compiler")]
[assembly: InternalsVisibleTo("Hyperagents.Compiler.Tests")]
