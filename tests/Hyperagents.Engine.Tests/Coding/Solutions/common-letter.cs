public static class Solution
{
    public static char MostCommonLetter(string s)
    {
        var counts = new int[26];
        foreach (var c in s)
        {
            if (char.IsAsciiLetter(c))
            {
                counts[char.ToLowerInvariant(c) - 'a']++;
            }
        }

        var best = -1;
        for (var i = 0; i < 26; i++)
        {
            if (counts[i] > 0 && (best < 0 || counts[i] > counts[best]))
            {
                best = i;
            }
        }

        return best < 0 ? '?' : (char)('a' + best);
    }
}
