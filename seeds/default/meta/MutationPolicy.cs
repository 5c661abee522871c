using Hyperagents;

namespace Seed.Evolution;

/// <summary>
/// How the offline meta agent mutates. These constants are themselves mutation sites, so the meta agent evolves its
/// own policy: how often it edits itself, how many sites per edit, how far literals move, which operators it uses,
/// and how hard it screens a candidate before handing it over.
/// </summary>
internal static class MutationPolicy
{
    /// <summary>Chance that an edit targets this policy file instead of the task agent.</summary>
    public const double MetaProbability = /*@range(0.05, 0.6)*/ 0.25;

    /// <summary>Of the edits to the meta level, the share that moves the parent selector (meta/ParentSelector.cs)
    /// instead of this policy.</summary>
    public const double SelectorShare = /*@range(0.1, 0.9)*/ 0.5;

    /// <summary>How many sites one edit mutates.</summary>
    public const int SitesPerEdit = /*@range(1, 6)*/ 2;

    /// <summary>The log-normal step size of real literals.</summary>
    public const double Scale = /*@range(0.01, 1.0)*/ 0.3;

    /// <summary>How many candidate edits are screened on training tasks before the best is kept.</summary>
    public const int Candidates = /*@range(1, 6)*/ 2;

    /// <summary>How many training tasks a screening evaluation runs.</summary>
    public const int ScreenTasks = /*@range(1, 4)*/ 1;

    /// <summary>Which kinds of site an edit may touch.</summary>
    public static readonly MutationKind[] Kinds =
        /*@alt: [MutationKind.NumericLiteral] | [MutationKind.NumericLiteral, MutationKind.Alternative] | [MutationKind.NumericLiteral, MutationKind.Alternative, MutationKind.Operator]*/ [MutationKind.NumericLiteral, MutationKind.Alternative];

    /// <summary>Only marked sites (<c>@range</c>, <c>@alt</c>) are eligible: unmarked literals are often array indices.</summary>
    public const bool MarkedOnly = /*@alt: true | false*/ true;
}
