using System.Threading.Tasks;
using Hyperagents;

namespace Test.Meta;

/// <summary>Changes nothing.</summary>
public static class MetaAgent
{
    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
}
