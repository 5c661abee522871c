public static class Solution
{
    public static double[] RunningMedian(int[] nums)
    {
        var low = new PriorityQueue<int, int>();   // max-heap by negated priority
        var high = new PriorityQueue<int, int>();  // min-heap
        var result = new double[nums.Length];
        for (var i = 0; i < nums.Length; i++)
        {
            var x = nums[i];
            if (low.Count == 0 || x <= low.Peek())
            {
                low.Enqueue(x, -x);
            }
            else
            {
                high.Enqueue(x, x);
            }

            if (low.Count > high.Count + 1)
            {
                var m = low.Dequeue();
                high.Enqueue(m, m);
            }
            else if (high.Count > low.Count)
            {
                var m = high.Dequeue();
                low.Enqueue(m, -m);
            }

            result[i] = low.Count > high.Count ? low.Peek() : ((double)low.Peek() + high.Peek()) / 2;
        }

        return result;
    }
}
