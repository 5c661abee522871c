using System;
using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>A meta agent that fails: its parent must become an invalid parent.</summary>
public static class MetaAgent
{
    public static Task ModifySelf(MetaContext context) => throw new InvalidOperationException("meta agent broke");
}
