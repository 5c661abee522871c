using Hyperagents.TestSupport;

namespace Hyperagents.Models.Tests.Support;

/// <summary>Test data.</summary>
public static class Some
{
    /// <summary>A distinctive fake key: if it shows up in a transcript or a log, the test fails.</summary>
    public const string FakeKey = "sk-test-DISTINCTIVE-7f3a9c1e5b2d4f60";

    /// <summary>Options pointing both roles at the scripted stand-in, with fast retries and no real environment.</summary>
    public static ModelOptions Options(ScriptedOpenAiServer server, string model = "openai:scripted-model", IDictionary<string, string>? environment = null) => new()
    {
        Model = model,
        Endpoint = server.BaseUrl.ToString(),
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(5),
        MaxRetries = 2,
        AttemptTimeout = TimeSpan.FromSeconds(30),
        CallTimeout = TimeSpan.FromSeconds(60),
        Environment = Env(environment),
    };

    /// <summary>An environment holding only the given variables.</summary>
    public static Func<string, string?> Env(IDictionary<string, string>? variables = null) =>
        name => variables is not null && variables.TryGetValue(name, out var value) ? value : null;

    public static ChatRequest Ask(string text, ChatRole role = ChatRole.Task, IReadOnlyList<ChatTool>? tools = null) =>
        new([ChatMessage.System("You are terse."), ChatMessage.User(text)], tools) { Role = role };

    public static ChatTool Tool(string name = "read_file") =>
        new(name, "Reads a file of the workspace.", """{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}""");

    /// <summary>Waits for a condition set by other threads (not a timing assertion: the limit only bounds a hang).</summary>
    public static async Task WaitUntil(Func<bool> condition, string what)
    {
        var limit = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"Gave up waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }
}
