public static class Solution
{
    public static long LargestRectangle(int[] heights)
    {
        var stack = new Stack<int>();
        long best = 0;
        for (var i = 0; i <= heights.Length; i++)
        {
            var h = i == heights.Length ? 0 : heights[i];
            while (stack.Count > 0 && heights[stack.Peek()] >= h)
            {
                var height = heights[stack.Pop()];
                var width = stack.Count == 0 ? i : i - stack.Peek() - 1;
                best = Math.Max(best, (long)height * width);
            }

            stack.Push(i);
        }

        return best;
    }
}
