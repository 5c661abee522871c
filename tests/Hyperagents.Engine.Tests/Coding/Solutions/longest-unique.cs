public static class Solution
{
    public static int LongestUnique(string s)
    {
        var last = new Dictionary<char, int>();
        int best = 0, start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (last.TryGetValue(s[i], out var p) && p >= start)
            {
                start = p + 1;
            }

            last[s[i]] = i;
            best = Math.Max(best, i - start + 1);
        }

        return best;
    }
}
