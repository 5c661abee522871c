public static class Solution
{
    public static long CountWays(int[] coins, int amount)
    {
        var ways = new long[amount + 1];
        ways[0] = 1;
        foreach (var c in coins.Distinct())
        {
            for (var a = c; a <= amount; a++)
            {
                ways[a] += ways[a - c];
            }
        }

        return ways[amount];
    }
}
