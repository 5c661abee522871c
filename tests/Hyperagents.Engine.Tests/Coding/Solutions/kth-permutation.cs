public static class Solution
{
    public static string KthPermutation(int n, long k)
    {
        var digits = Enumerable.Range(1, n).ToList();
        var factorial = new long[n + 1];
        factorial[0] = 1;
        for (var i = 1; i <= n; i++)
        {
            factorial[i] = factorial[i - 1] * i;
        }

        k--;
        var sb = new StringBuilder();
        for (var i = n; i >= 1; i--)
        {
            var index = (int)(k / factorial[i - 1]);
            k %= factorial[i - 1];
            sb.Append((char)('a' + digits[index] - 1));
            digits.RemoveAt(index);
        }

        return sb.ToString();
    }
}
