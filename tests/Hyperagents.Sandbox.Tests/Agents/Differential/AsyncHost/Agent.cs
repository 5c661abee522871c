public static class AsyncHostAgent
{
    // Exercises the host-call channel: awaits interleaved with computation and seeded randomness.
    public static async Task<string> SolveTask(TaskContext context)
    {
        var parts = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await context.Log.InfoAsync($"step {i}");
            var budget = await context.Budget.GetAsync();
            parts.Add($"{i}:{context.Random.NextInt(1000)}:{budget.ModelCallsLeft}");
        }

        var tasks = Enumerable.Range(0, 3).Select(async k =>
        {
            await context.Log.DebugAsync($"parallel {k}");
            return k * k;
        });
        var squares = await Task.WhenAll(tasks);
        try
        {
            await context.Chat.CompleteAsync(new ChatRequest([ChatMessage.User("hi")]));
        }
        catch (HostCallException ex)
        {
            parts.Add(ex.Code);
        }

        return string.Join(",", parts) + "|" + string.Join(",", squares);
    }

    public static Task ModifySelf(MetaContext context) => Task.CompletedTask;
}
