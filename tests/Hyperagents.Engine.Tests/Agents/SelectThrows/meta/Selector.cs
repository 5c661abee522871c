using System;
using Hyperagents;

namespace Test.Meta;

public static class Selector
{
    public static string SelectParent(ParentChoice choice) => throw new InvalidOperationException("the selector broke");
}
