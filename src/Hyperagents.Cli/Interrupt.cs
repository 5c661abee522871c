using System.Runtime.InteropServices;

namespace Hyperagents.Cli;

/// <summary>Ctrl+C and SIGTERM for every command: the first asks the command to stop (a run stops starting attempts, lets
/// the writes it started land, prints how to resume and exits 130); a second Ctrl+C ends the process at once.</summary>
/// <remarks>Replaces System.CommandLine's own handling, which ends the process after a short grace period wherever it
/// is, cutting output mid-line and skipping the resume hint.</remarks>
internal sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _count;

    public Interrupt()
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    /// <summary>Cancelled at the first Ctrl+C or SIGTERM.</summary>
    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }

    /// <summary>While set, Ctrl+C calls it instead (the REPL cancels its running submission and stays).</summary>
    public static Action? OnCtrlC { get; set; }

    private void OnSignal(PosixSignalContext context)
    {
        if (context.Signal == PosixSignal.SIGINT && OnCtrlC is { } hook)
        {
            context.Cancel = true;
            hook();
            return;
        }

        if (Interlocked.Increment(ref _count) > 1 && context.Signal == PosixSignal.SIGINT)
        {
            // The second Ctrl+C: the default action, which ends the process now.
            context.Cancel = false;
            return;
        }

        context.Cancel = true;
        if (_count == 1)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine("stopping: no new work starts and the writes under way finish (press Ctrl+C again to stop at once)");
            _stop.Cancel();
        }
    }
}
