namespace Hyperagents.Domains;

/// <summary>A package evaluator made of several single-threaded ones (each an evaluator worker process), so that
/// evaluations of one package run side by side: an evaluation takes an idle member, or makes one while fewer than
/// <see cref="Size"/> exist, or waits for one to come back.</summary>
/// <remarks>Members are made on demand, so a command that evaluates one answer at a time starts one worker whatever the
/// size. The size comes from the command's runner capacity (<see cref="PackageDomain.UseParallelism"/>).</remarks>
public sealed class PooledEvaluator : IPackageEvaluator
{
    private readonly Func<IPackageEvaluator> _create;
    private readonly object _gate = new(); // Monitor.Wait/Pulse need an object, not a Lock
    private readonly Stack<IPackageEvaluator> _idle = new();
    private readonly List<IPackageEvaluator> _all = [];
    private int _size;
    private bool _disposed;

    /// <summary>Creates the pool; no member exists before <see cref="Load"/> or the first evaluation.</summary>
    /// <param name="create">Makes one member (not yet loaded).</param>
    /// <param name="size">The most members at once.</param>
    public PooledEvaluator(Func<IPackageEvaluator> create, int size = 1)
    {
        _create = create ?? throw new ArgumentNullException(nameof(create));
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _size = size;
    }

    /// <summary>The most members at once (evaluations that run side by side).</summary>
    public int Size
    {
        get
        {
            lock (_gate)
            {
                return _size;
            }
        }
    }

    /// <summary>How many members exist.</summary>
    public int Members
    {
        get
        {
            lock (_gate)
            {
                return _all.Count;
            }
        }
    }

    /// <inheritdoc/>
    public void UseParallelism(int parallelism)
    {
        lock (_gate)
        {
            _size = Math.Max(_size, Math.Max(1, parallelism));
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Makes and loads the first member, so that a package that cannot work fails before a run starts.</summary>
    /// <exception cref="DomainPackageException">The evaluator does not compile or breaks the evaluator policy.</exception>
    public void Load()
    {
        var member = Take();
        try
        {
            member.Load();
        }
        finally
        {
            Return(member);
        }
    }

    /// <inheritdoc/>
    public PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns) => Evaluate(task, answer, codeRuns, exact: false);

    /// <inheritdoc/>
    public PackageVerdict Evaluate(PackageTask task, string answer, CodeRunReport? codeRuns, bool exact)
    {
        var member = Take();
        try
        {
            return member.Evaluate(task, answer, codeRuns, exact);
        }
        finally
        {
            Return(member);
        }
    }

    /// <summary>Ends every member; one busy now ends when its evaluation returns.</summary>
    public void Dispose()
    {
        List<IPackageEvaluator> idle;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            Monitor.PulseAll(_gate);
        }

        foreach (var member in idle)
        {
            member.Dispose();
        }
    }

    private IPackageEvaluator Take()
    {
        lock (_gate)
        {
            while (true)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_idle.TryPop(out var idle))
                {
                    return idle;
                }

                if (_all.Count < _size)
                {
                    var member = _create();
                    _all.Add(member);
                    return member;
                }

                Monitor.Wait(_gate);
            }
        }
    }

    private void Return(IPackageEvaluator member)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _idle.Push(member);
                Monitor.Pulse(_gate);
                return;
            }
        }

        member.Dispose();
    }
}
