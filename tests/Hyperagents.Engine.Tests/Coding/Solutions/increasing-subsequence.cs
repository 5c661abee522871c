public static class Solution
{
    public static int LongestIncreasing(int[] nums)
    {
        var tails = new List<int>();
        foreach (var x in nums)
        {
            var i = tails.BinarySearch(x);
            if (i < 0)
            {
                i = ~i;
            }

            if (i == tails.Count)
            {
                tails.Add(x);
            }
            else
            {
                tails[i] = x;
            }
        }

        return tails.Count;
    }
}
