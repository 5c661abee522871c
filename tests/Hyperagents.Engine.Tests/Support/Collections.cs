using Hyperagents.Hosting;

namespace Hyperagents.Engine.Tests.Support;

/// <summary>Runs are heavy on a 2-core machine: every test that runs agents is in this one collection, so they run one
/// after the other and share the native worker pool.</summary>
[CollectionDefinition(Name)]
public sealed class RunsCollection : ICollectionFixture<NativeWorkers>
{
    public const string Name = "runs";
}

/// <summary>A native runner shared by the loop tests (worker processes start once).</summary>
public sealed class NativeWorkers : IAsyncDisposable
{
    public IAgentRunner Runner { get; } = TestRuns.NativeRunner();

    public ValueTask DisposeAsync() => Runner.DisposeAsync();
}
