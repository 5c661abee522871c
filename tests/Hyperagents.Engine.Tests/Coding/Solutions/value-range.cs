public static class Solution
{
    public static long ValueRange(int[] nums) => nums.Length == 0 ? 0 : (long)nums.Max() - nums.Min();
}
