// accept: a guest type named System.IO.File is the agent's own and grants nothing.
namespace System.IO
{
    public static class File
    {
        public static string ReadAllText(string path) => "shadow:" + path;
    }
}

namespace Malicious
{
    public static class Agent
    {
        public static Task<string> SolveTask(TaskContext context) => Task.FromResult(System.IO.File.ReadAllText("/etc/passwd"));

        public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
    }
}
