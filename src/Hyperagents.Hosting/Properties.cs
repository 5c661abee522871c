using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Hyperagents.Hosting.Tests")]
