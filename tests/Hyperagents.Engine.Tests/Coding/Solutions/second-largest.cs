public static class Solution
{
    public static int SecondLargest(int[] nums)
    {
        var distinct = nums.Distinct().OrderByDescending(x => x).ToList();
        return distinct.Count < 2 ? int.MinValue : distinct[1];
    }
}
