using System.Text.Json;
using System.Text.Json.Serialization;
using Hyperagents.Transport;

namespace Hyperagents.Hosting;

/// <summary>What a caller tells a runner's factory.</summary>
/// <param name="Parallel">How many children the caller produces at once (a meta call and the evaluations it starts may
/// need several calls each).</param>
public sealed record RunnerRequest(int Parallel = 1);

/// <summary>Whether a runner can run on this machine, and why (or why not), in one line.</summary>
/// <param name="Available">Whether it can run.</param>
/// <param name="Detail">What confines its calls, or what is missing and how to fix it.</param>
public sealed record RunnerAvailability(bool Available, string Detail);

/// <summary>One registered runner, as a table of tiers shows it.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Description">Its one-line description.</param>
/// <param name="Deterministic">Whether its runs replay bit for bit.</param>
public sealed record RunnerInfo(string Name, string Description, bool Deterministic);

/// <summary>The runners a program offers, by name (<c>sandbox</c>, <c>native</c>, ...). The name is what a run's manifest
/// stores and what <c>--isolation</c> takes; each runner brings its own options and its own <see cref="IAgentRunner.Capacity"/>.</summary>
public sealed class RunnerRegistry
{
    private readonly List<(string Name, string Description, Func<RunnerRequest, IAgentRunner> Create, bool Deterministic, Func<RunnerAvailability>? Availability)> _runners = [];

    /// <summary>The registered names, in registration order; the first is the default.</summary>
    public IReadOnlyList<string> Names => [.. _runners.Select(r => r.Name)];

    /// <summary>The default runner's name (the first registered).</summary>
    /// <exception cref="InvalidOperationException">Nothing is registered.</exception>
    public string Default => _runners.Count > 0 ? _runners[0].Name : throw new InvalidOperationException("No runner is registered.");

    /// <summary>Registers a runner.</summary>
    /// <param name="name">Its name: lower-case ASCII letters, digits and <c>-</c>.</param>
    /// <param name="description">One line for help texts.</param>
    /// <param name="create">Creates the runner, with its own options.</param>
    /// <param name="deterministic">Whether the same call gives the same outcome bit for bit (the agent sees no real clock
    /// and no host library that may differ), so a replay of its runs compares scores exactly.</param>
    /// <param name="availability">Whether it can run here and why (for <c>doctor</c>); null when it always can (then the
    /// description is the why).</param>
    /// <returns>This registry, to chain registrations.</returns>
    /// <exception cref="ArgumentException">The name is malformed or taken.</exception>
    public RunnerRegistry Add(string name, string description, Func<RunnerRequest, IAgentRunner> create, bool deterministic = false, Func<RunnerAvailability>? availability = null)
    {
        ArgumentNullException.ThrowIfNull(create);
        if (string.IsNullOrEmpty(name) || name != Normalize(name) || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"A runner name is lower-case letters, digits and '-' (was '{name}').", nameof(name));
        }

        if (_runners.Any(r => r.Name == name))
        {
            throw new ArgumentException($"A runner named '{name}' is already registered.", nameof(name));
        }

        _runners.Add((name, description ?? "", create, deterministic, availability));
        return this;
    }

    /// <summary>Whether <paramref name="name"/> (in any case) names a registered runner.</summary>
    /// <param name="name">The name.</param>
    public bool Contains(string? name) => name is not null && _runners.Any(r => r.Name == Normalize(name));

    /// <summary>Whether the runner registered as <paramref name="name"/> is deterministic: its runs replay bit for bit.</summary>
    /// <param name="name">The name, in any case.</param>
    /// <exception cref="UnknownRunnerException">No runner has this name.</exception>
    public bool IsDeterministic(string name)
    {
        var key = Normalize(name ?? "");
        return _runners.Any(r => r.Name == key)
            ? _runners.First(r => r.Name == key).Deterministic
            : throw new UnknownRunnerException(name ?? "", Names);
    }

    /// <summary>Every registered runner, in registration order.</summary>
    public IReadOnlyList<RunnerInfo> Runners => [.. _runners.Select(r => new RunnerInfo(r.Name, r.Description, r.Deterministic))];

    /// <summary>Whether the runner registered as <paramref name="name"/> can run here, and why; a runner registered
    /// without an availability check is available, its description the why.</summary>
    /// <param name="name">The name, in any case.</param>
    /// <exception cref="UnknownRunnerException">No runner has this name.</exception>
    public RunnerAvailability Availability(string name)
    {
        var key = Normalize(name ?? "");
        var runner = _runners.FirstOrDefault(r => r.Name == key);
        return runner.Name is null
            ? throw new UnknownRunnerException(name ?? "", Names)
            : runner.Availability?.Invoke() ?? new RunnerAvailability(true, runner.Description);
    }

    /// <summary>Every runner's name and description, on one line.</summary>
    public string Describe() => string.Join(", ", _runners.Select(r => $"{r.Name} ({r.Description})"));

    /// <summary>Creates the runner registered as <paramref name="name"/>.</summary>
    /// <param name="name">The name, in any case (manifests written before runners had names store <c>Sandbox</c>/<c>Native</c>).</param>
    /// <param name="request">What the caller needs.</param>
    /// <exception cref="UnknownRunnerException">No runner has this name.</exception>
    public IAgentRunner Create(string name, RunnerRequest? request = null)
    {
        var key = Normalize(name ?? "");
        foreach (var runner in _runners)
        {
            if (runner.Name == key)
            {
                return runner.Create(request ?? new RunnerRequest());
            }
        }

        throw new UnknownRunnerException(name ?? "", Names);
    }

    /// <summary>The canonical form of a runner name: lower case, trimmed.</summary>
    /// <param name="name">A name as typed or stored.</param>
    public static string Normalize(string name) => (name ?? throw new ArgumentNullException(nameof(name))).Trim().ToLowerInvariant();
}

/// <summary>No runner has the name asked for; the message lists the names there are.</summary>
public sealed class UnknownRunnerException : UserErrorException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="name">The name asked for.</param>
    /// <param name="known">The registered names.</param>
    public UnknownRunnerException(string name, IReadOnlyList<string> known)
        : base($"'{SafeText.ForDisplay(name)}' is not a runner; use one of: {string.Join(", ", known)}.")
    {
        Name = name;
    }

    /// <summary>The name asked for.</summary>
    public string Name { get; }
}

/// <summary>Reads and writes a runner name in a manifest: written as stored, read in canonical form, so that manifests
/// written when the isolation was an enum (<c>"Sandbox"</c>, <c>"Native"</c>) read as <c>sandbox</c>, <c>native</c>.</summary>
public sealed class RunnerNameJsonConverter : JsonConverter<string>
{
    /// <inheritdoc/>
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => RunnerRegistry.Normalize(reader.GetString()!),
        // The enum's numbers, had a manifest stored them: 0 was the sandbox, 1 native.
        JsonTokenType.Number when reader.TryGetInt32(out var n) && n is 0 or 1 => n == 0 ? "sandbox" : "native",
        _ => throw new JsonException("A runner name must be a string such as \"sandbox\" or \"native\"."),
    };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
