public static class Solution
{
    public static int[][] PairsWithDifference(int[] nums, int k)
    {
        var set = new HashSet<long>(nums.Select(x => (long)x));
        return set.Where(a => set.Contains(a + k)).Select(a => new[] { (int)a, (int)(a + k) }).ToArray();
    }
}
