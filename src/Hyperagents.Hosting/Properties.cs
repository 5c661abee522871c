using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Hyperagents.Hosting.Tests")]

// The compile worker (Hyperagents.Compiler) starts and speaks to its processes with the same launcher and frames.
[assembly: InternalsVisibleTo("Hyperagents.Compiler")]
[assembly: InternalsVisibleTo("Hyperagents.Compiler.Tests")]
