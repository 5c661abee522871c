public static class Solution
{
    public static long[] PascalRow(int n)
    {
        var row = new long[n + 1];
        row[0] = 1;
        for (var k = 1; k <= n; k++)
        {
            row[k] = row[k - 1] * (n - k + 1) / k;
        }

        return row;
    }
}
