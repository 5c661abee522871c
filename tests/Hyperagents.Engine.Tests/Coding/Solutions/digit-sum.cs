public static class Solution
{
    public static int DigitSum(long n)
    {
        var sum = 0;
        var u = n < 0 ? (ulong)(-(n + 1)) + 1 : (ulong)n;
        while (u > 0)
        {
            sum += (int)(u % 10);
            u /= 10;
        }

        return sum;
    }
}
