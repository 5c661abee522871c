public static class Solution
{
    public static int MaxProfit(int[] prices)
    {
        var best = 0;
        var low = int.MaxValue;
        foreach (var p in prices)
        {
            low = Math.Min(low, p);
            best = Math.Max(best, p - low);
        }

        return best;
    }
}
