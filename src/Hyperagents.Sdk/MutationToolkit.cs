using System.Text.Json.Serialization;
using Hyperagents.Transport;

namespace Hyperagents;

/// <summary>The offline mutation toolkit: seeded syntax-level mutations of a workspace file, performed by the host.</summary>
/// <remarks>
/// <para>Roslyn does not run inside the guest; the host parses the file, picks mutation sites with the given seed,
/// rewrites them and stores the result in the workspace. The same request on the same file always gives the same
/// result, so a modification can be replayed from its seed.</para>
/// <para>Sites:</para>
/// <list type="bullet">
/// <item><description><b>Numeric literals.</b> A real literal is multiplied by exp(N(0, scale)); an integer literal moves
/// by a random step of at least one. A leading <c>/*@range(min, max)*/</c> comment clamps the literal;
/// <c>/*@fixed*/</c> excludes it.</description></item>
/// <item><description><b>Operators.</b> Arithmetic and comparison operators swap within their family
/// (<c>+ -</c>, <c>* /</c>, <c>&lt; &lt;= &gt; &gt;=</c>).</description></item>
/// <item><description><b>Marked alternatives.</b> An expression preceded by <c>/*@alt: A | B | C*/</c> is replaced by
/// another listed alternative; the marker stays, so the choice can change again.</description></item>
/// </list>
/// Any file can be aimed at, the meta agent's own files included.
/// </remarks>
public sealed class MutationToolkit
{
    private readonly IHostChannel _channel;

    internal MutationToolkit(IHostChannel channel) => _channel = channel;

    /// <summary>Lists the mutation sites of a file.</summary>
    /// <param name="path">The relative path of a <c>.cs</c> file.</param>
    public async ValueTask<IReadOnlyList<MutationSite>> GetSitesAsync(string path) =>
        (await _channel.CallAsync(Capabilities.MutationSites, new MutationSitesRequest(path), SdkJson.Default.MutationSitesRequest, SdkJson.Default.MutationSitesReply)
            .ConfigureAwait(false)).Sites;

    /// <summary>Applies seeded mutations to a file in the workspace and reports what changed.</summary>
    /// <param name="request">What to mutate and how.</param>
    public ValueTask<MutationReport> MutateAsync(MutationRequest request) =>
        _channel.CallAsync(Capabilities.Mutate, request, SdkJson.Default.MutationRequest, SdkJson.Default.MutationReport);
}

/// <summary>The kinds of mutation site.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MutationKind>))]
public enum MutationKind
{
    /// <summary>A numeric literal.</summary>
    NumericLiteral,
    /// <summary>A binary operator.</summary>
    Operator,
    /// <summary>An expression with marked alternatives.</summary>
    Alternative,
}

/// <summary>One place the toolkit can mutate.</summary>
/// <param name="Kind">The kind of site.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Text">The current text of the site.</param>
/// <param name="Marked">Whether the site carries a marker (<c>@range</c> or <c>@alt</c>).</param>
public sealed record MutationSite(MutationKind Kind, int Line, string Text, bool Marked);

/// <summary>A mutation request.</summary>
/// <param name="Path">The relative path of the <c>.cs</c> file to mutate.</param>
/// <param name="Seed">The seed; equal requests on equal files give equal results.</param>
/// <param name="Count">How many sites to mutate (at most the number of eligible sites).</param>
/// <param name="Kinds">Which kinds of site are eligible; <see langword="null"/> or empty for all.</param>
/// <param name="Scale">The relative step size of real literals (standard deviation of the log-factor).</param>
/// <param name="MarkedOnly">Only sites that carry a marker are eligible.</param>
/// <param name="Lines">When set, only sites on these 1-based lines are eligible.</param>
public sealed record MutationRequest(
    string Path,
    ulong Seed,
    int Count = 1,
    IReadOnlyList<MutationKind>? Kinds = null,
    double Scale = 0.1,
    bool MarkedOnly = false,
    IReadOnlyList<int>? Lines = null);

/// <summary>What a mutation request changed.</summary>
/// <param name="Path">The file.</param>
/// <param name="Applied">The mutations applied, in file order.</param>
public sealed record MutationReport(string Path, IReadOnlyList<AppliedMutation> Applied);

/// <summary>One applied mutation.</summary>
/// <param name="Kind">The kind of site.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Before">The text before.</param>
/// <param name="After">The text after.</param>
public sealed record AppliedMutation(MutationKind Kind, int Line, string Before, string After);
