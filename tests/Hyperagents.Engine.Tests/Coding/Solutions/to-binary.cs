public static class Solution
{
    public static string ToBinary(long n)
    {
        if (n == 0)
        {
            return "0";
        }

        var u = n < 0 ? (ulong)(-(n + 1)) + 1 : (ulong)n;
        var sb = new StringBuilder();
        while (u > 0)
        {
            sb.Insert(0, (char)('0' + (int)(u & 1)));
            u >>= 1;
        }

        return n < 0 ? "-" + sb : sb.ToString();
    }
}
