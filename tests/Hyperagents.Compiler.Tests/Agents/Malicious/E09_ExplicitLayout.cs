namespace Malicious;

public static class Agent
{
    public static Task<string> SolveTask(TaskContext context) => Task.FromResult(Run());

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;

    private static string Run()
    {
        var u = new Overlap { Text = "x" };
        return u.Number.ToString();
    }
}

[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit)] // expect HA0002 System.Runtime.InteropServices.StructLayoutAttribute
public struct Overlap
{
    [System.Runtime.InteropServices.FieldOffset(0)] public string Text; // expect HA0002 System.Runtime.InteropServices.FieldOffsetAttribute
    [System.Runtime.InteropServices.FieldOffset(0)] public long Number;
}
