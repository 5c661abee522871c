namespace Hyperagents;

/// <summary>What a C# script submission (the meta agent's scratchpad, <c>hyperagents repl</c>) sees as globals: the
/// task context, named <c>context</c> as in <c>SolveTask(TaskContext context)</c>.</summary>
public sealed class ScriptGlobals
{
    internal ScriptGlobals(TaskContext context) => this.context = context;

    /// <summary>The task context of the call the submission runs in.</summary>
#pragma warning disable IDE1006, CA1707 // the script's name for it is the entry point's parameter name
    public TaskContext context { get; }
#pragma warning restore IDE1006, CA1707
}
