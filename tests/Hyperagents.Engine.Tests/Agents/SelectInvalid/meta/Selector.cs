using Hyperagents;

namespace Test.Meta;

/// <summary>Returns an id that is no candidate (here: made up).</summary>
public static class Selector
{
    public static string SelectParent(ParentChoice choice) => "0000000000000000000000000000000000000000";
}
