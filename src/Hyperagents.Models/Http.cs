using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;

namespace Hyperagents.Models;

/// <summary>The HTTP attempts of the model call running on this async flow; filled by <see cref="AttemptHandler"/>.</summary>
internal sealed class CallTrace
{
    private static readonly AsyncLocal<CallTrace?> CurrentTrace = new();
    private readonly List<ExchangeAttempt> _attempts = [];

    public static CallTrace? Current => CurrentTrace.Value;

    public IReadOnlyList<ExchangeAttempt> Attempts
    {
        get
        {
            lock (_attempts)
            {
                return [.. _attempts];
            }
        }
    }

    public ExchangeAttempt? Last
    {
        get
        {
            lock (_attempts)
            {
                return _attempts.Count == 0 ? null : _attempts[^1];
            }
        }
    }

    /// <summary>Makes <paramref name="trace"/> current for the calling flow and what it awaits.</summary>
    public static void Begin(CallTrace trace) => CurrentTrace.Value = trace;

    public int Add(Func<int, ExchangeAttempt> create)
    {
        lock (_attempts)
        {
            var attempt = create(_attempts.Count + 1);
            _attempts.Add(attempt);
            return attempt.Number;
        }
    }
}

/// <summary>Removes credentials from text that is recorded or logged: the configured keys, bearer tokens, and
/// strings shaped like provider keys.</summary>
internal sealed partial class SecretScrubber(IEnumerable<string> secrets)
{
    private readonly string[] _secrets = [.. secrets.Where(s => s.Length >= 4).Distinct().OrderByDescending(s => s.Length)];

    public string Scrub(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
        }

        return KeyShape().Replace(text, "[redacted]");
    }

    [GeneratedRegex(@"(?i)(bearer\s+[A-Za-z0-9._~+/=-]{6,}|\bsk-[A-Za-z0-9_-]{6,}|x-api-key\s*[:=]\s*\S+)")]
    private static partial Regex KeyShape();
}

/// <summary>The innermost handler: records each attempt (status, latency, retry-after, error) in the current
/// <see cref="CallTrace"/> and logs it without headers; buffers a non-streamed body inside the attempt so the
/// attempt timeout covers it.</summary>
internal sealed class AttemptHandler(ILogger logger, SecretScrubber scrubber) : DelegatingHandler
{
    private const int ExcerptLength = 300;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var trace = CallTrace.Current;
        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream" || !response.IsSuccessStatusCode)
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            var error = ex is OperationCanceledException
                ? "no response before the attempt timeout or the call deadline"
                : $"no response: {scrubber.Scrub(FirstLine(ex.Message))}";
            var number = trace?.Add(n => new ExchangeAttempt(n, null, clock.Elapsed.TotalMilliseconds, error, null)) ?? 0;
            logger.LogWarning("Model attempt {Attempt} to {Host}{Path} failed after {Elapsed} ms: {Error}", number, request.RequestUri?.Authority, request.RequestUri?.AbsolutePath, (long)clock.Elapsed.TotalMilliseconds, error);
            throw;
        }

        var elapsed = clock.Elapsed.TotalMilliseconds;
        var status = (int)response.StatusCode;
        string? failure = null;
        if (!response.IsSuccessStatusCode)
        {
            var body = await ReadExcerptAsync(response, cancellationToken).ConfigureAwait(false);
            failure = $"HTTP {status} {response.ReasonPhrase}{(body.Length == 0 ? string.Empty : ": " + body)}";
        }

        var retryAfter = ModelHttp.ServerDelay(response);
        var attempt = trace?.Add(n => new ExchangeAttempt(n, status, elapsed, failure, retryAfter?.TotalMilliseconds)) ?? 0;
        if (failure is null)
        {
            logger.LogDebug("Model attempt {Attempt} to {Host}{Path}: HTTP {Status} in {Elapsed} ms", attempt, request.RequestUri?.Authority, request.RequestUri?.AbsolutePath, status, (long)elapsed);
        }
        else
        {
            logger.LogWarning("Model attempt {Attempt} to {Host}{Path}: {Failure}", attempt, request.RequestUri?.Authority, request.RequestUri?.AbsolutePath, failure);
        }

        return response;
    }

    private async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            text = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
            return scrubber.Scrub(text.Length <= ExcerptLength ? text : text[..ExcerptLength] + "…");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException)
        {
            return string.Empty;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

/// <summary>The HTTP client every provider shares: retries with exponential backoff and jitter on 408, 429, 5xx,
/// connection failures and attempt timeouts, honouring <c>retry-after</c>; a per-attempt timeout; attempt recording.</summary>
internal static class ModelHttp
{
    public static HttpClient Create(ModelOptions options, ILogger logger, SecretScrubber scrubber, HttpMessageHandler? primary = null)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                // The server's wait is honoured, but never beyond MaxRetryDelay: an hour-long retry-after would
                // otherwise hold a slot of the run until the call deadline.
                ShouldRetryAfterHeader = false,
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result is { } r ? ServerDelay(r) is { } d ? d > options.MaxRetryDelay ? options.MaxRetryDelay : d : null : null),
                OnRetry = args =>
                {
                    logger.LogInformation("Retrying the model call (retry {Retry} of {Max}) in {Delay} ms after {Outcome}", args.AttemptNumber + 1, options.MaxRetries, (long)args.RetryDelay.TotalMilliseconds, Describe(args.Outcome, scrubber));
                    return default;
                },
            });
        }

        builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout });
        var attempts = new AttemptHandler(logger, scrubber)
        {
            InnerHandler = primary ?? new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = options.AttemptTimeout < TimeSpan.FromSeconds(30) ? options.AttemptTimeout : TimeSpan.FromSeconds(30),
                AutomaticDecompression = DecompressionMethods.All,
            },
        };
#pragma warning disable CA2000 // the HttpClient owns and disposes the handler chain
        var resilience = new ResilienceHandler(builder.Build()) { InnerHandler = attempts };
#pragma warning restore CA2000
        return new HttpClient(resilience, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The wait a response asks for: <c>retry-after-ms</c> (OpenAI, Azure) or <c>retry-after</c>.</summary>
    internal static TimeSpan? ServerDelay(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is { Ticks: > 0 } wait ? wait : TimeSpan.Zero,
            _ => null,
        };
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome, SecretScrubber scrubber) =>
        outcome.Exception is { } ex
            ? scrubber.Scrub($"{ex.GetType().Name}: {ex.Message.Split('\n', 2)[0]}")
            : $"HTTP {(int?)outcome.Result?.StatusCode}";
}
