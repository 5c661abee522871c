public static class Solution
{
    public static int CountVowels(string s) => s.Count(c => "aeiouAEIOU".IndexOf(c) >= 0);
}
