using System.Threading.Channels;

namespace Hyperagents.Sandbox;

/// <summary>Keeps up to <see cref="SandboxOptions.PoolSize"/> VMs booted and warmed in the background; each is handed
/// out once. With size 0 every call boots its own VM.</summary>
internal sealed class VmPool : IAsyncDisposable
{
    private readonly SandboxEngine _engine;
    private readonly Channel<GuestVm> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _filler;
    private readonly SemaphoreSlim _demand;

    public VmPool(SandboxEngine engine)
    {
        _engine = engine;
        var size = engine.Options.PoolSize;
        _ready = Channel.CreateBounded<GuestVm>(Math.Max(1, size));
        _demand = new SemaphoreSlim(size);
        _filler = size == 0 ? Task.CompletedTask : Task.Run(FillAsync);
    }

    public async ValueTask<GuestVm> TakeAsync(CancellationToken cancellationToken)
    {
        if (_engine.Options.PoolSize == 0)
        {
            // Warming only pays off when it happens ahead of time, in the background.
            return _engine.NewVm(warm: false);
        }

        if (_ready.Reader.TryRead(out var ready))
        {
            _demand.Release();
            return ready;
        }

        try
        {
            var vm = await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _demand.Release();
            return vm;
        }
        catch (ChannelClosedException)
        {
            // The background filler stopped (a boot failed); boot inline so the failure surfaces to this caller.
            return _engine.NewVm(warm: true);
        }
    }

    private async Task FillAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _demand.WaitAsync(_stop.Token).ConfigureAwait(false);
            GuestVm vm;
            try
            {
                vm = _engine.NewVm(warm: true);
            }
            catch (Exception)
            {
                _ready.Writer.TryComplete();
                return;
            }

            if (!_ready.Writer.TryWrite(vm))
            {
                vm.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _filler.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _ready.Writer.TryComplete();
        while (_ready.Reader.TryRead(out var vm))
        {
            vm.Dispose();
        }

        _stop.Dispose();
        _demand.Dispose();
    }
}
