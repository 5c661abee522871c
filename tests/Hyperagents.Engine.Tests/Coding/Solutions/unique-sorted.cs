public static class Solution
{
    public static int[] UniqueSorted(int[] nums) => nums.Distinct().OrderBy(x => x).ToArray();
}
