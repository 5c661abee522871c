public static class Solution
{
    public static int CountPrimes(int n)
    {
        if (n < 3)
        {
            return 0;
        }

        var composite = new bool[n];
        var count = 0;
        for (var i = 2; i < n; i++)
        {
            if (composite[i])
            {
                continue;
            }

            count++;
            for (var j = (long)i * i; j < n; j += i)
            {
                composite[j] = true;
            }
        }

        return count;
    }
}
