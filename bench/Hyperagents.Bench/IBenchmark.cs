namespace Hyperagents.Bench;

/// <summary>One benchmark, found by reflection; its <see cref="Name"/> is the command-line argument that runs it.</summary>
public interface IBenchmark
{
    /// <summary>The name on the command line, e.g. <c>compile</c>.</summary>
    string Name { get; }

    /// <summary>One line for the list printed with no argument.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark and prints its figures and whether each target was met.</summary>
    /// <param name="args">The arguments after the name.</param>
    /// <returns>0 when every target was met, 1 otherwise.</returns>
    Task<int> RunAsync(string[] args);
}
