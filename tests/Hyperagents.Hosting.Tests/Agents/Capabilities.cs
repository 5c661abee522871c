using System.Collections.Generic;
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        await context.Log.InfoAsync("hello from the agent");
        var budget = await context.Budget.GetAsync();
        try
        {
            await context.Chat.CompleteAsync(new ChatRequest(new List<ChatMessage>()));
            return "chat unexpectedly succeeded";
        }
        catch (HostCallException ex)
        {
            return $"{budget.ModelCallsLeft}|{ex.Capability}|{ex.Code}";
        }
    }
}
