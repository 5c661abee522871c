using Hyperagents;

namespace Test.Meta;

public static class Selector
{
    public static string SelectParent(ParentChoice choice)
    {
        var n = 0UL;
        while (true)
        {
            n += choice.Seed | 1;
        }
    }
}
