using System.Linq;
using Hyperagents;

namespace Test.Meta;

/// <summary>Always chooses the deepest candidate (the latest among equals): a chain no default strategy would draw.</summary>
public static class Selector
{
    public static string SelectParent(ParentChoice choice) =>
        choice.Candidates.Select((c, i) => (c, i)).OrderByDescending(x => x.c.Generation).ThenByDescending(x => x.i).First().c.Id;
}
