[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Hyperagents.Hosting")] // expect HA0002 System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute

namespace Malicious
{
    public static class Agent
    {
        public static Task<string> SolveTask(TaskContext context) => Task.FromResult("");

        public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
    }
}

// The runtime honours this attribute by name, so declaring it oneself is the attack.
namespace System.Runtime.CompilerServices
{
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    public sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
    {
        public string AssemblyName { get; } = assemblyName;
    }
}
