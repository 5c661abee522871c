namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var h = System.Runtime.InteropServices.GCHandle.Alloc(new byte[8], System.Runtime.InteropServices.GCHandleType.Pinned); // expect HA0001 System.Runtime.InteropServices.GCHandle.Alloc
        return h.AddrOfPinnedObject().ToString(); // expect HA0001 System.Runtime.InteropServices.GCHandle.AddrOfPinnedObject()
    }
}
