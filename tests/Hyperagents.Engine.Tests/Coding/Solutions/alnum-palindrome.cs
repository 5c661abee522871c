public static class Solution
{
    public static bool IsPalindrome(string s)
    {
        var kept = s.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant).ToArray();
        for (int i = 0, j = kept.Length - 1; i < j; i++, j--)
        {
            if (kept[i] != kept[j])
            {
                return false;
            }
        }

        return true;
    }
}
