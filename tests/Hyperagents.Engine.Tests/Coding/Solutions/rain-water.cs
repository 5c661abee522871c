public static class Solution
{
    public static long Trap(int[] heights)
    {
        int left = 0, right = heights.Length - 1, maxLeft = 0, maxRight = 0;
        long water = 0;
        while (left < right)
        {
            if (heights[left] < heights[right])
            {
                maxLeft = Math.Max(maxLeft, heights[left]);
                water += maxLeft - heights[left++];
            }
            else
            {
                maxRight = Math.Max(maxRight, heights[right]);
                water += maxRight - heights[right--];
            }
        }

        return water;
    }
}
