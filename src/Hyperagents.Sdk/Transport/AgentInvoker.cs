using System.Reflection;
using System.Text.Json;

namespace Hyperagents.Transport;

/// <summary>Calls a hyperagent's entry points. Shared by the native worker and the sandbox bootstrap so that both
/// modes run agent code the same way.</summary>
/// <remarks>Trusted infrastructure: agent code cannot reference this namespace.</remarks>
public static class AgentInvoker
{
    /// <summary>The name of the task entry point.</summary>
    public const string SolveTask = nameof(SolveTask);

    /// <summary>The name of the meta entry point.</summary>
    public const string ModifySelf = nameof(ModifySelf);

    /// <summary>The name of the parent-selection entry point (<see cref="ParentChoice"/>).</summary>
    public const string SelectParent = nameof(SelectParent);

    /// <summary>Runs <c>SolveTask</c>, or <c>SelectParent</c> when <see cref="TaskInvocation.Choice"/> is set. Never throws: every failure of agent code becomes an <see cref="InvocationResult"/>.</summary>
    /// <param name="agent">The loaded agent assembly.</param>
    /// <param name="invocation">The task and seed.</param>
    /// <param name="channel">The channel to the host.</param>
    public static async Task<InvocationResult> SolveTaskAsync(Assembly agent, TaskInvocation invocation, IHostChannel channel)
    {
        if (invocation.Choice is { } choice)
        {
            return RunSelectParent(agent, choice);
        }

        var method = Find(agent, SolveTask, typeof(TaskContext), typeof(Task<string>));
        if (method is null)
        {
            return new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: "No public static Task<string> SolveTask(TaskContext) was found.");
        }

        try
        {
            var context = new TaskContext(invocation.Task, channel, invocation.Seed);
            var answer = await ((Task<string>)method.Invoke(null, [context])!).ConfigureAwait(false);
            return new InvocationResult(InvocationStatus.Completed, Answer: answer);
        }
        catch (Exception ex)
        {
            return Fault(ex);
        }
    }

    /// <summary>Runs <c>ModifySelf</c>. Never throws: every failure of agent code becomes an <see cref="InvocationResult"/>.</summary>
    /// <param name="agent">The loaded agent assembly.</param>
    /// <param name="invocation">The instruction and seed.</param>
    /// <param name="channel">The channel to the host.</param>
    public static async Task<InvocationResult> ModifySelfAsync(Assembly agent, MetaInvocation invocation, IHostChannel channel)
    {
        var method = Find(agent, ModifySelf, typeof(MetaContext), typeof(Task));
        if (method is null)
        {
            return new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: "No public static Task ModifySelf(MetaContext) was found.");
        }

        try
        {
            var context = new MetaContext(invocation, channel);
            await ((Task)method.Invoke(null, [context])!).ConfigureAwait(false);
            return new InvocationResult(InvocationStatus.Completed);
        }
        catch (Exception ex)
        {
            return Fault(ex);
        }
    }

    private static InvocationResult RunSelectParent(Assembly agent, ParentChoice choice)
    {
        var method = Find(agent, SelectParent, typeof(ParentChoice), typeof(string));
        if (method is null)
        {
            return new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: "No public static string SelectParent(ParentChoice) was found.");
        }

        try
        {
            return new InvocationResult(InvocationStatus.Completed, Answer: (string?)method.Invoke(null, [choice]));
        }
        catch (Exception ex)
        {
            return Fault(ex);
        }
    }

    /// <summary>Runs a chain of script submissions (<see cref="ScriptBundle"/>): loads the chain's assemblies in a load
    /// context of their own, runs every earlier submission again quietly, then the last one, whose value, shown as text
    /// (<see cref="ScriptBundle.Show"/>), is the answer. Never throws.</summary>
    /// <param name="bundle">The bundle.</param>
    /// <param name="invocation">The task and seed; the task context is the submissions' <c>context</c>.</param>
    /// <param name="channel">The channel to the host.</param>
    public static async Task<InvocationResult> RunScriptAsync(byte[] bundle, TaskInvocation invocation, IHostChannel channel)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var factories = new List<MethodInfo>();
        try
        {
            var (libraries, submissions) = ScriptBundle.Unpack(bundle);
            var load = new ScriptLoadContext();
            foreach (var library in libraries)
            {
                load.Add(library);
            }

            foreach (var submission in submissions)
            {
                var factory = load.Add(submission).GetTypes()
                    .Select(t => t.GetMethod("<Factory>", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
                    .FirstOrDefault(m => m is not null);
                if (factory is null)
                {
                    return new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: "A script submission has no factory.");
                }

                factories.Add(factory);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or BadImageFormatException or FileLoadException or IOException or ReflectionTypeLoadException)
        {
            return new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: "The script could not be loaded: " + ex.Message);
        }

        if (factories.Count == 0)
        {
            return new InvocationResult(InvocationStatus.NoEntryPoint, ExceptionMessage: "The script has no submission.");
        }

        var replay = new ReplayChannel(channel) { Quiet = true };
        var states = new object?[factories.Count + 1];
        states[0] = new ScriptGlobals(new TaskContext(invocation.Task, replay, invocation.Seed));
        var console = Console.Out;
        object? value = null;
        try
        {
            for (var i = 0; i < factories.Count; i++)
            {
                var last = i == factories.Count - 1;
                replay.Quiet = !last;
                Console.SetOut(last ? console : TextWriter.Null);
                value = await ((Task<object>)factories[i].Invoke(null, [states])!).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            return Fault(ex);
        }
        finally
        {
            Console.SetOut(console);
        }

        try
        {
            return new InvocationResult(InvocationStatus.Completed, Answer: ScriptBundle.Show(value));
        }
        catch (Exception ex)
        {
            return Fault(ex);
        }
    }

    /// <summary>Encodes a host error reply.</summary>
    /// <param name="code">The error code.</param>
    /// <param name="message">The message.</param>
    public static byte[] EncodeError(string code, string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new HostError(code, message), SdkJson.Default.HostError);

    private static MethodInfo? Find(Assembly agent, string name, Type parameter, Type returnType)
    {
        foreach (var type in agent.GetExportedTypes())
        {
            var method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Static, [parameter]);
            if (method is not null && method.ReturnType == returnType)
            {
                return method;
            }
        }

        return null;
    }

    private static InvocationResult Fault(Exception ex)
    {
        while (ex is TargetInvocationException { InnerException: { } inner })
        {
            ex = inner;
        }

        return new InvocationResult(InvocationStatus.GuestException, ExceptionType: ex.GetType().FullName, ExceptionMessage: ex.Message);
    }
}
