public static class Solution
{
    public static long CountSubarrays(int[] nums, int k)
    {
        var prefix = new Dictionary<long, int> { [0] = 1 };
        long sum = 0, count = 0;
        foreach (var n in nums)
        {
            sum += n;
            count += prefix.GetValueOrDefault(sum - k);
            prefix[sum] = prefix.GetValueOrDefault(sum) + 1;
        }

        return count;
    }
}
