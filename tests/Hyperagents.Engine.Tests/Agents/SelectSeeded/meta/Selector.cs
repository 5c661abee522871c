using Hyperagents;

namespace Test.Meta;

/// <summary>A uniform draw from the view's seed: the same choice on resume only if the host gives the same seed and view.</summary>
public static class Selector
{
    public static string SelectParent(ParentChoice choice) =>
        choice.Candidates[new SeededRandom(choice.Seed).NextInt(choice.Candidates.Count)].Id;
}
