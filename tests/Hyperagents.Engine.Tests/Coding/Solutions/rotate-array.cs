public static class Solution
{
    public static int[] Rotate(int[] nums, int k)
    {
        var n = nums.Length;
        var result = new int[n];
        if (n == 0)
        {
            return result;
        }

        var shift = (int)((k % n + (long)n) % n);
        for (var i = 0; i < n; i++)
        {
            result[(i + shift) % n] = nums[i];
        }

        return result;
    }
}
