public static class Solution
{
    public static int SumEvens(int[] nums)
    {
        var sum = 0;
        foreach (var n in nums)
        {
            if (n % 2 == 0)
            {
                sum += n;
            }
        }

        return sum;
    }
}
