using System.Text.Json.Nodes;
using Hyperagents.Cli;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace Hyperagents.Reporting.Tests;

/// <summary>The HTML report in a real headless Chromium: loads offline without errors, one tree node per variant, clicks work.</summary>
public sealed class ReportBrowserTests : IClassFixture<ChromiumFixture>, IDisposable
{
    private readonly ChromiumFixture _chromium;
    private readonly ITestOutputHelper _output;
    private readonly TempFolder _temp = new();

    public ReportBrowserTests(ChromiumFixture chromium, ITestOutputHelper output)
    {
        _chromium = chromium;
        _output = output;
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Report_loads_offline_without_errors_has_one_node_per_variant_and_a_click_shows_the_diff()
    {
        var planted = PlantedRun.Create(_temp.Path);
        var file = Path.Combine(_temp.Path, "report.html");
        var console = new TestConsole().Width(200);
        Assert.Equal(0, await CliApp.RunAsync(["report", PlantedRun.Name, "--archive", _temp.Path, "-o", file], console));
        Assert.Contains("report written", console.Output, StringComparison.Ordinal);

        await using var browser = await Browser.LaunchAsync(_chromium.Executable);
        var page = await Page.OpenAsync(browser, new Uri(file).AbsoluteUri);

        Assert.Equal(planted.All.Count, (int)(await browser.EvaluateAsync("document.querySelectorAll('#tree g.node').length"))!);
        var ids = (await browser.EvaluateAsync("[...document.querySelectorAll('#tree g.node')].map(n => n.dataset.variant).sort().join(',')"))!.GetValue<string>();
        Assert.Equal(string.Join(',', planted.All.Select(i => i[..12]).Order(StringComparer.Ordinal)), ids);
        Assert.Equal(planted.MetaChild[..12], (await browser.EvaluateAsync("[...document.querySelectorAll('#tree line.edge.meta')].map(e => e.dataset.child).join(',')"))!.GetValue<string>());
        Assert.Equal(4, (int)(await browser.EvaluateAsync("document.querySelectorAll('#plots figure svg').length"))!);
        Assert.Equal(planted.All.Count, (int)(await browser.EvaluateAsync("document.querySelectorAll('#variants tbody tr').length"))!);

        // A real mouse click on the meta child's node.
        await page.ClickAsync($"#node-{planted.MetaChild[..12]} circle");
        var diff = (await browser.EvaluateAsync("document.getElementById('diff-view').textContent"))!.GetValue<string>();
        Assert.Contains("+    int Retries => 2;", diff, StringComparison.Ordinal);
        Assert.Contains("meta/Modify.cs", diff, StringComparison.Ordinal);
        Assert.False((bool)(await browser.EvaluateAsync("document.getElementById('diff-view').hidden"))!);
        Assert.Contains(planted.MetaChild[..12], (await browser.EvaluateAsync("document.getElementById('detail-title').textContent"))!.GetValue<string>(), StringComparison.Ordinal);

        // The transcript button of the protected-path attempt's row.
        await page.ClickAsync($"#row-{planted.ProtectedAttempt[..12]} button:nth-of-type(2)");
        Assert.Contains("protected: eval/Evaluator.cs", (await browser.EvaluateAsync("document.getElementById('transcript-view').textContent"))!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True((bool)(await browser.EvaluateAsync("document.getElementById('diff-view').hidden"))!);

        // Back to the diff of the meta child for the screenshot.
        await page.ClickAsync($"#node-{planted.MetaChild[..12]} circle");
        var screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "report.png");
        await page.ScreenshotAsync(screenshot);
        _output.WriteLine($"screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 10_000);

        Assert.Empty(page.Errors);
        Assert.All(page.Requests, url => Assert.True(url.StartsWith("file:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), $"the report fetched {url}"));
    }

    [Fact]
    public async Task The_error_collector_sees_a_script_error_and_a_network_request()
    {
        // Control: the checks above can fail. A page that throws, logs an error and fetches a URL is caught.
        var file = Path.Combine(_temp.Path, "broken.html");
        await File.WriteAllTextAsync(file, "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"><script>console.error('bad'); missingFunction();</script></body></html>");
        await using var browser = await Browser.LaunchAsync(_chromium.Executable);

        var page = await Page.OpenAsync(browser, new Uri(file).AbsoluteUri);
        await browser.EvaluateAsync("1");

        Assert.Contains(page.Errors, e => e.Contains("missingFunction", StringComparison.Ordinal));
        Assert.Contains(page.Errors, e => e.Contains("bad", StringComparison.Ordinal));
        Assert.Contains(page.Requests, url => url.StartsWith("http://127.0.0.1:9/", StringComparison.Ordinal));
    }

    /// <summary>A loaded page with its console errors, exceptions and network requests.</summary>
    private sealed class Page
    {
        private readonly Browser _browser;

        private Page(Browser browser) => _browser = browser;

        public List<string> Errors { get; } = [];

        public List<string> Requests { get; } = [];

        public static async Task<Page> OpenAsync(Browser browser, string url)
        {
            var page = new Page(browser);
            var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            browser.OnEvent((method, p) =>
            {
                lock (page.Errors)
                {
                    switch (method)
                    {
                        case "Runtime.exceptionThrown":
                            page.Errors.Add("exception: " + p["exceptionDetails"]?.ToJsonString());
                            break;
                        case "Runtime.consoleAPICalled" when (p["type"]?.GetValue<string>() is "error" or "assert"):
                            page.Errors.Add("console: " + p["args"]?.ToJsonString());
                            break;
                        case "Log.entryAdded" when (p["entry"]?["level"]?.GetValue<string>() == "error"):
                            page.Errors.Add("log: " + p["entry"]?.ToJsonString());
                            break;
                        case "Network.requestWillBeSent":
                            page.Requests.Add(p["request"]?["url"]?.GetValue<string>() ?? "?");
                            break;
                        case "Page.loadEventFired":
                            loaded.TrySetResult();
                            break;
                    }
                }
            });
            foreach (var domain in new[] { "Runtime", "Log", "Page", "Network" })
            {
                await browser.SendAsync(domain + ".enable");
            }

            await browser.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1400, ["height"] = 1000, ["deviceScaleFactor"] = 1, ["mobile"] = false });
            await browser.SendAsync("Page.navigate", new JsonObject { ["url"] = url });
            await loaded.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return page;
        }

        /// <summary>Scrolls the element into view and clicks its centre with real mouse events.</summary>
        public async Task ClickAsync(string selector)
        {
            var quoted = System.Text.Json.JsonSerializer.Serialize(selector);
            var rect = (await _browser.EvaluateAsync($"(() => {{ const e = document.querySelector({quoted}); if (!e) return null; e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))
                ?? throw new InvalidOperationException($"no element matches {selector}");
            var (x, y) = (rect[0]!.GetValue<double>(), rect[1]!.GetValue<double>());
            foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
            {
                await _browser.SendAsync("Input.dispatchMouseEvent", new JsonObject { ["type"] = type, ["x"] = x, ["y"] = y, ["button"] = "left", ["clickCount"] = 1 });
            }
        }

        public async Task ScreenshotAsync(string path)
        {
            await _browser.EvaluateAsync("window.scrollTo(0, 0)");
            var metrics = await _browser.SendAsync("Page.getLayoutMetrics");
            var size = metrics["cssContentSize"]!;
            var shot = await _browser.SendAsync("Page.captureScreenshot", new JsonObject
            {
                ["format"] = "png",
                ["captureBeyondViewport"] = true,
                ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = size["width"]!.GetValue<double>(), ["height"] = size["height"]!.GetValue<double>(), ["scale"] = 1 },
            });
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
        }
    }
}
