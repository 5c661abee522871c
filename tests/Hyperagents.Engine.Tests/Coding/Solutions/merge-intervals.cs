public static class Solution
{
    public static int[][] Merge(int[][] intervals)
    {
        var sorted = intervals.OrderBy(i => i[0]).ThenBy(i => i[1]).ToList();
        var result = new List<int[]>();
        foreach (var iv in sorted)
        {
            if (result.Count > 0 && iv[0] <= result[^1][1])
            {
                result[^1][1] = Math.Max(result[^1][1], iv[1]);
            }
            else
            {
                result.Add([iv[0], iv[1]]);
            }
        }

        return result.ToArray();
    }
}
