public static class Solution
{
    public static double Mean(int[] nums) => nums.Length == 0 ? 0 : nums.Select(x => (double)x).Sum() / nums.Length;
}
