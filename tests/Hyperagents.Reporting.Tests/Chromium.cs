using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hyperagents.Reporting.Tests;

/// <summary>
/// Debian's <c>chromium</c>, installed with apt when missing (tests run as root on CI and dev machines). When it cannot be
/// installed, every test using it fails with the reason: a browser test that silently passes proves nothing.
/// </summary>
public sealed class ChromiumFixture
{
    public ChromiumFixture()
    {
        Executable = Find() ?? Install();
    }

    public string Executable { get; }

    private static string? Find()
    {
        foreach (var name in new[] { "chromium", "chromium-browser" })
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        return null;
    }

    private static string Install()
    {
        var log = new StringBuilder();
        foreach (var args in new[] { "update", "install -y --no-install-recommends chromium" })
        {
            var (exit, output) = Run("apt-get", args);
            log.AppendLine($"$ apt-get {args} (exit {exit})").AppendLine(output.Length > 4000 ? output[^4000..] : output);
            if (exit != 0)
            {
                throw new InvalidOperationException(
                    $"Chromium is not installed and 'apt-get {args}' failed (exit {exit}). Install it as root with 'apt-get update && apt-get install -y chromium', then rerun.\n{log}");
            }
        }

        return Find() ?? throw new InvalidOperationException($"apt-get installed chromium but no 'chromium' is on PATH.\n{log}");
    }

    private static (int Exit, string Output) Run(string file, string args)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{file} could not start: {e.Message}");
        }
    }
}

/// <summary>A headless Chromium driven over the DevTools protocol (one page, flattened session).</summary>
public sealed class Browser : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Action<string, JsonObject>> _listeners = [];
    private Task? _reader;
    private int _nextId;
    private string? _session;

    private Browser(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<Browser> LaunchAsync(string executable)
    {
        var profile = Path.Combine(Path.GetTempPath(), "ha-chromium-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(profile);
        var info = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                     "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new Browser(process, profile);
        var portFile = Path.Combine(profile, "DevToolsActivePort");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string[]? lines = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"chromium exited with {process.ExitCode} before opening its DevTools port");
            }

            if (File.Exists(portFile) && File.ReadAllLines(portFile) is { Length: >= 2 } l)
            {
                lines = l;
                break;
            }

            await Task.Delay(50);
        }

        if (lines is null)
        {
            await browser.DisposeAsync();
            throw new TimeoutException("chromium did not write DevToolsActivePort within 60 s");
        }

        await browser._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0].Trim()}{lines[1].Trim()}"), CancellationToken.None);
        browser._reader = Task.Run(browser.ReadLoopAsync);
        var target = await browser.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true);
        var attached = await browser.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, browserLevel: true);
        browser._session = attached["sessionId"]!.GetValue<string>();
        return browser;
    }

    /// <summary>Calls <paramref name="listener"/> with every event of the page's session.</summary>
    public void OnEvent(Action<string, JsonObject> listener)
    {
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
    }

    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null, bool browserLevel = false)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (!browserLevel)
        {
            message["sessionId"] = _session;
        }

        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var result = await reply.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (result["error"] is { } error)
        {
            throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
        }

        return result["result"]?.AsObject() ?? new JsonObject();
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"evaluating {expression} threw: {exception.ToJsonString()}");
        }

        return result["result"]?["value"];
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var json = JsonNode.Parse(message.ToArray())!.AsObject();
                message.SetLength(0);
                if (json["id"] is { } id && _pending.TryRemove(id.GetValue<int>(), out var reply))
                {
                    reply.TrySetResult(json);
                }
                else if (json["method"] is { } method)
                {
                    Action<string, JsonObject>[] listeners;
                    lock (_listeners)
                    {
                        listeners = [.. _listeners];
                    }

                    foreach (var listener in listeners)
                    {
                        listener(method.GetValue<string>(), json["params"]?.AsObject() ?? new JsonObject());
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(new InvalidOperationException("the DevTools connection closed"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
        }

        if (_reader is not null)
        {
            await Task.WhenAny(_reader, Task.Delay(2000));
        }

        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
