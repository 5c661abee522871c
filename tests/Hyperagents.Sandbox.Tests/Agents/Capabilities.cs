// Capability round trip: log, budget, a refusal the agent catches, and concurrent calls.
using System.Threading.Tasks;
using Hyperagents;

public static class Agent
{
    public static async Task<string> SolveTask(TaskContext context)
    {
        await context.Log.InfoAsync("first");
        var budget = await context.Budget.GetAsync();
        string refusal;
        try
        {
            await context.Chat.CompleteAsync(new ChatRequest(new[] { ChatMessage.User("hello?") }));
            refusal = "no refusal";
        }
        catch (HostCallException ex)
        {
            refusal = ex.Capability + "/" + ex.Code;
        }

        await Task.WhenAll(context.Log.InfoAsync("a").AsTask(), context.Log.InfoAsync("b").AsTask());
        return $"budget={budget.WallSecondsLeft};refusal={refusal}";
    }
}
