public static class Solution
{
    public static long CountSegmentations(string s, string[] words)
    {
        const long Mod = 1_000_000_007;
        var dictionary = new HashSet<string>(words);
        var ways = new long[s.Length + 1];
        ways[0] = 1;
        for (var end = 1; end <= s.Length; end++)
        {
            for (var start = 0; start < end; start++)
            {
                if (ways[start] != 0 && dictionary.Contains(s[start..end]))
                {
                    ways[end] = (ways[end] + ways[start]) % Mod;
                }
            }
        }

        return ways[s.Length];
    }
}
